"""The reply catalogue: every string a reader sees in English, simplified and traditional Chinese.

`t(key, lang, **kw)` formats the entry for `lang`. An entry that depends on a count has English
"one"/"other" forms chosen by `n`; Chinese has no plural form. zh-TW strings are written in
traditional characters (and Taiwan's usual words: 程式碼, 伺服器, 頻道), not converted by machine.
"""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["en", "zh-CN", "zh-TW"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN", "zh-TW")

_Forms = str | dict[str, str]  # a string, or {"one": …, "other": …} for English counts

CATALOGUE: dict[str, dict[Lang, _Forms]] = {
    # /topics
    "topics.title": {"en": "Topics ({n})", "zh-CN": "主题（{n}）", "zh-TW": "主題（{n}）"},
    "topics.line": {
        "en": {"one": "**{topic}** · {n} paper · latest {date}", "other": "**{topic}** · {n} papers · latest {date}"},
        "zh-CN": "**{topic}** · {n} 篇论文 · 最新 {date}",
        "zh-TW": "**{topic}** · {n} 篇論文 · 最新 {date}",
    },
    "topics.none": {"en": "No topics yet: no digest has been read.", "zh-CN": "还没有主题：尚未读取任何摘要。",
                    "zh-TW": "還沒有主題：尚未讀取任何摘要。"},
    # digests and feeds
    "papers.new": {"en": {"one": "{n} new paper", "other": "{n} new papers"}, "zh-CN": "{n} 篇新论文",
                   "zh-TW": "{n} 篇新論文"},
    "digest.header": {
        "en": {"one": "{topic} · {date} · {n} paper", "other": "{topic} · {date} · {n} papers"},
        "zh-CN": "{topic} · {date} · {n} 篇论文",
        "zh-TW": "{topic} · {date} · {n} 篇論文",
    },
    "digest.more": {"en": "…and {n} more", "zh-CN": "……还有 {n} 篇", "zh-TW": "……還有 {n} 篇"},
    "digest.more_ranked": {
        "en": "…and {n} more; shown first: keyword matches, then papers with code, then papers with a venue",
        "zh-CN": "……还有 {n} 篇；优先显示：关键词匹配、有代码、有发表会议的论文",
        "zh-TW": "……還有 {n} 篇；優先顯示：關鍵字符合、有程式碼、有發表會議的論文",
    },
    "digest.page": {"en": "Page {page}/{pages}", "zh-CN": "第 {page}/{pages} 页", "zh-TW": "第 {page}/{pages} 頁"},
    "digest.open_hint": {"en": "Open a paper below for its card, abstract and discussion",
                         "zh-CN": "在下方打开一篇论文，查看卡片、摘要和讨论",
                         "zh-TW": "在下方開啟一篇論文，查看卡片、摘要和討論"},
    "digest.gone": {"en": "This day's papers are no longer in Paperboy's database.",
                    "zh-CN": "这一天的论文已不在 Paperboy 的数据库中。",
                    "zh-TW": "這一天的論文已不在 Paperboy 的資料庫中。"},
    "dm.header": {
        "en": {"one": "📬 **{n} new paper** for your Paperboy subscriptions · `/subscriptions` to change them",
               "other": "📬 **{n} new papers** for your Paperboy subscriptions · `/subscriptions` to change them"},
        "zh-CN": "📬 你的 Paperboy 订阅有 **{n} 篇新论文** · 用 `/我的订阅` 修改",
        "zh-TW": "📬 你的 Paperboy 訂閱有 **{n} 篇新論文** · 用 `/我的訂閱` 修改",
    },
    "header.capped": {
        "en": "Showing {shown} of {count} (this feed posts at most {shown} a day), best first: keyword matches, "
              "then papers with code, then papers with a venue. The other {more}: {latest} or `/search`.",
        "zh-CN": "显示 {count} 篇中的 {shown} 篇（本推送每天最多 {shown} 篇），优先：关键词匹配、有代码、"
                 "有发表会议的论文。其余 {more} 篇：{latest} 或 `/搜索`。",
        "zh-TW": "顯示 {count} 篇中的 {shown} 篇（本推送每天最多 {shown} 篇），優先：關鍵字符合、有程式碼、"
                 "有發表會議的論文。其餘 {more} 篇：{latest} 或 `/搜尋`。",
    },
    "header.latest": {"en": "`/latest`", "zh-CN": "`/最新`", "zh-TW": "`/最新`"},
    "header.latest_topic": {"en": "`/latest topic:{topic}`", "zh-CN": "`/最新 主题:{topic}`",
                            "zh-TW": "`/最新 主題:{topic}`"},
    "latest.none": {"en": "No papers yet.", "zh-CN": "还没有论文。", "zh-TW": "還沒有論文。"},
    # cards
    "card.also_in": {"en": "also in: {topics}", "zh-CN": "也见于：{topics}", "zh-TW": "也見於：{topics}"},
    "card.matched": {"en": "Matched", "zh-CN": "匹配", "zh-TW": "符合"},
    "card.comment": {"en": "Comment", "zh-CN": "备注", "zh-TW": "備註"},
    "card.venue": {"en": "Venue", "zh-CN": "发表于", "zh-TW": "發表於"},
    "part.summary": {"en": "TL;DR", "zh-CN": "概要", "zh-TW": "概要"},
    "part.motivation": {"en": "Motivation", "zh-CN": "动机", "zh-TW": "動機"},
    "part.method": {"en": "Method", "zh-CN": "方法", "zh-TW": "方法"},
    "part.result": {"en": "Result", "zh-CN": "结果", "zh-TW": "結果"},
    "part.conclusion": {"en": "Conclusion", "zh-CN": "结论", "zh-TW": "結論"},
    # buttons and menus
    "button.pdf": {"en": "PDF", "zh-CN": "PDF", "zh-TW": "PDF"},
    "button.code": {"en": "Code", "zh-CN": "代码", "zh-TW": "程式碼"},
    "button.project": {"en": "Project", "zh-CN": "项目主页", "zh-TW": "專案頁面"},
    "button.abstract": {"en": "Abstract", "zh-CN": "摘要", "zh-TW": "摘要"},
    "button.follow_topic": {"en": "Follow topic", "zh-CN": "关注主题", "zh-TW": "追蹤主題"},
    "button.discuss": {"en": "Discuss", "zh-CN": "讨论", "zh-TW": "討論"},
    "button.prev": {"en": "Prev", "zh-CN": "上一页", "zh-TW": "上一頁"},
    "button.next": {"en": "Next", "zh-CN": "下一页", "zh-TW": "下一頁"},
    "menu.open_paper": {"en": "Open a paper…", "zh-CN": "打开一篇论文…", "zh-TW": "開啟一篇論文…"},
    # the language toggle names the language it switches to, in that language
    "toggle.to_zh": {"en": "中文", "zh-CN": "中文", "zh-TW": "中文"},
    "toggle.to_en": {"en": "English", "zh-CN": "English", "zh-TW": "English"},
    # /settings
    "language.en": {"en": "English", "zh-CN": "英文", "zh-TW": "英文"},
    "language.zh": {"en": "Chinese", "zh-CN": "中文", "zh-TW": "中文"},
    "language.both": {"en": "both languages", "zh-CN": "中英双语", "zh-TW": "中英雙語"},
    "settings.language_set": {
        "en": "Papers in this server now read in {language}.",
        "zh-CN": "本服务器的论文现在以{language}显示。",
        "zh-TW": "本伺服器的論文現在以{language}顯示。",
    },
    "settings.my_language_set": {
        "en": "Papers in your DMs now read in {language}.",
        "zh-CN": "你私信中的论文现在以{language}显示。",
        "zh-TW": "你私訊中的論文現在以{language}顯示。",
    },
    "settings.my_language": {
        "en": "Papers in your DMs read in {language}. Change it with `/subscriptions language:`.",
        "zh-CN": "你私信中的论文以{language}显示。可用 `/我的订阅 语言:` 修改。",
        "zh-TW": "你私訊中的論文以{language}顯示。可用 `/我的訂閱 語言:` 修改。",
    },
    # replies to commands (the member's client language)
    "error.sorry": {
        "en": "Sorry, {what} failed on Paperboy's side. It has been logged; please try again later.",
        "zh-CN": "抱歉，{what} 在 Paperboy 这边出错了。已记录日志，请稍后再试。",
        "zh-TW": "抱歉，{what} 在 Paperboy 這邊出錯了。已記錄日誌，請稍後再試。",
    },
    "error.that_click": {"en": "that click", "zh-CN": "这次点击", "zh-TW": "這次點擊"},
    "error.permission": {
        "en": "You need the **{permission}** permission to use `/{command}`.",
        "zh-CN": "你需要 **{permission}** 权限才能使用 `/{command}`。",
        "zh-TW": "你需要 **{permission}** 權限才能使用 `/{command}`。",
    },
    "permission.manage_guild": {"en": "Manage Server", "zh-CN": "管理服务器", "zh-TW": "管理伺服器"},
    "permission.manage_events": {"en": "Manage Events", "zh-CN": "管理活动", "zh-TW": "管理活動"},
    "paper.gone": {
        "en": "arXiv {id} is no longer in Paperboy's database.",
        "zh-CN": "arXiv {id} 已不在 Paperboy 的数据库中。",
        "zh-TW": "arXiv {id} 已不在 Paperboy 的資料庫中。",
    },
    "search.bad": {"en": "Can't search that: {error}.", "zh-CN": "无法搜索：{error}。", "zh-TW": "無法搜尋：{error}。"},
    "search.none": {
        "en": "No papers match **{query}**{where}. Try fewer or shorter words; `/topics` lists topics.",
        "zh-CN": "没有论文匹配 **{query}**{where}。试试更少或更短的词；`/主题` 列出所有主题。",
        "zh-TW": "沒有論文符合 **{query}**{where}。試試更少或更短的詞；`/主題` 列出所有主題。",
    },
    "search.in_topic": {"en": " in **{topic}**", "zh-CN": "（主题 **{topic}**）", "zh-TW": "（主題 **{topic}**）"},
    "search.title": {"en": "Search: {query}", "zh-CN": "搜索：{query}", "zh-TW": "搜尋：{query}"},
    "paper.not_an_id": {
        "en": "**{given}** is not an arXiv id. Use a form like `2410.18355`, `arXiv:2410.18355v2` or "
              "`https://arxiv.org/abs/2410.18355`.",
        "zh-CN": "**{given}** 不是 arXiv 编号。请使用 `2410.18355`、`arXiv:2410.18355v2` 或 "
                 "`https://arxiv.org/abs/2410.18355` 这样的形式。",
        "zh-TW": "**{given}** 不是 arXiv 編號。請使用 `2410.18355`、`arXiv:2410.18355v2` 或 "
                 "`https://arxiv.org/abs/2410.18355` 這樣的形式。",
    },
    "paper.not_stored": {
        "en": "arXiv {id} is not in Paperboy's database: no digest has listed it. It may still be on "
              "https://arxiv.org/abs/{id}",
        "zh-CN": "arXiv {id} 不在 Paperboy 的数据库中：还没有日报收录它。它可能在 https://arxiv.org/abs/{id}",
        "zh-TW": "arXiv {id} 不在 Paperboy 的資料庫中：還沒有日報收錄它。它可能在 https://arxiv.org/abs/{id}",
    },
    "latest.nothing": {
        "en": "Nothing ingested yet: the first digest has not run.",
        "zh-CN": "还没有读取任何内容：第一次日报尚未运行。",
        "zh-TW": "還沒有讀取任何內容：第一次日報尚未執行。",
    },
    "latest.bad": {"en": "Can't show that: {error}.", "zh-CN": "无法显示：{error}。", "zh-TW": "無法顯示：{error}。"},
    "latest.title": {"en": "Latest {topic} · {date}", "zh-CN": "最新 {topic} · {date}",
                     "zh-TW": "最新 {topic} · {date}"},
    "list.footer": {
        "en": "Page {page}/{pages} · {papers}",
        "zh-CN": "第 {page}/{pages} 页 · {papers}",
        "zh-TW": "第 {page}/{pages} 頁 · {papers}",
    },
    "list.not_yours": {
        "en": "These results belong to someone else; run the command yourself to get your own.",
        "zh-CN": "这些结果属于别人；自己运行命令即可得到你的结果。",
        "zh-TW": "這些結果屬於別人；自己執行指令即可得到你的結果。",
    },
    "list.gone": {"en": "That paper is no longer stored.", "zh-CN": "这篇论文已不再保存。",
                  "zh-TW": "這篇論文已不再保存。"},
    "share.shared": {"en": "{user} shared:", "zh-CN": "{user} 分享了：", "zh-TW": "{user} 分享了："},
    "button.share": {"en": "Share", "zh-CN": "分享", "zh-TW": "分享"},
    "subscribe.one_of": {
        "en": "Give exactly one of `topic:`, `keyword:` or `author:` — for example `/subscribe keyword: nerf`.",
        "zh-CN": "请只填写 `主题:`、`关键词:` 或 `作者:` 其中之一，例如 `/订阅 关键词: 辐射场`。",
        "zh-TW": "請只填寫 `主題:`、`關鍵字:` 或 `作者:` 其中之一，例如 `/訂閱 關鍵字: 輻射場`。",
    },
    "subscribe.unknown_topic": {
        "en": "Unknown topic **{topic}**. Known topics: {known}. For anything else, subscribe to a `keyword:`.",
        "zh-CN": "未知主题 **{topic}**。已知主题：{known}。其他内容请订阅 `关键词:`。",
        "zh-TW": "未知主題 **{topic}**。已知主題：{known}。其他內容請訂閱 `關鍵字:`。",
    },
    "none_yet": {"en": "none yet", "zh-CN": "暂无", "zh-TW": "暫無"},
    "unsubscribe.all": {
        "en": {"one": "Removed your {n} subscription.", "other": "Removed all {n} of your subscriptions."},
        "zh-CN": "已移除你的全部 {n} 个订阅。",
        "zh-TW": "已移除你的全部 {n} 個訂閱。",
    },
    "unsubscribe.nothing": {"en": "You have no subscriptions.", "zh-CN": "你没有任何订阅。",
                            "zh-TW": "你沒有任何訂閱。"},
    "unsubscribe.no_such": {
        "en": "You have no such subscription; pick one from the list, or `all`. `/subscriptions` shows them.",
        "zh-CN": "你没有这个订阅；请从列表中选择，或选 `all`。`/我的订阅` 会列出它们。",
        "zh-TW": "你沒有這個訂閱；請從清單中選擇，或選 `all`。`/我的訂閱` 會列出它們。",
    },
    "unsubscribe.done": {"en": "Unsubscribed from {kind} **{value}**.", "zh-CN": "已退订{kind} **{value}**。",
                         "zh-TW": "已取消訂閱{kind} **{value}**。"},
    "kind.topic": {"en": "topic", "zh-CN": "主题", "zh-TW": "主題"},
    "kind.keyword": {"en": "keyword", "zh-CN": "关键词", "zh-TW": "關鍵字"},
    "kind.author": {"en": "author", "zh-CN": "作者", "zh-TW": "作者"},
    "subscribe.too_short": {"en": "That {kind} is too short: type at least 2 characters.",
                            "zh-CN": "这个{kind}太短了：请至少输入 2 个字符。",
                            "zh-TW": "這個{kind}太短了：請至少輸入 2 個字元。"},
    "subscribe.too_long": {"en": "That {kind} is too long: at most {max} characters.",
                           "zh-CN": "这个{kind}太长了：最多 {max} 个字符。",
                           "zh-TW": "這個{kind}太長了：最多 {max} 個字元。"},
    "subscribe.duplicate": {"en": "You already follow {kind} **{value}**; nothing changed.",
                            "zh-CN": "你已经关注了{kind} **{value}**；没有变化。",
                            "zh-TW": "你已經追蹤了{kind} **{value}**；沒有變化。"},
    "subscribe.full": {
        "en": "You already have {max} subscriptions, the most one person can have. Remove one with `/unsubscribe` "
              "first.",
        "zh-CN": "你已经有 {max} 个订阅，这是每人的上限。请先用 `/退订` 移除一个。",
        "zh-TW": "你已經有 {max} 個訂閱，這是每人的上限。請先用 `/取消訂閱` 移除一個。",
    },
    "subscribe.done": {
        "en": "Subscribed to {kind} **{value}**. New matching papers will come to you by direct message after each "
              "daily digest.",
        "zh-CN": "已订阅{kind} **{value}**。每次日报之后，匹配的新论文会通过私信发给你。",
        "zh-TW": "已訂閱{kind} **{value}**。每次日報之後，符合的新論文會透過私訊傳給你。",
    },
    "subscriptions.none": {
        "en": "You follow nothing yet. Try `/subscribe topic:`, `keyword:` or `author:`.",
        "zh-CN": "你还没有关注任何内容。试试 `/订阅 主题:`、`关键词:` 或 `作者:`。",
        "zh-TW": "你還沒有追蹤任何內容。試試 `/訂閱 主題:`、`關鍵字:` 或 `作者:`。",
    },
    "dm.open_help": {
        "en": "To get them, allow direct messages from this server's members: click the server name → "
              "**Privacy Settings** → turn on **Direct Messages** (or User Settings → Privacy & Safety).",
        "zh-CN": "要接收它们，请允许来自本服务器成员的私信：点击服务器名称 → **隐私设置** → 打开**私信**"
                 "（或 用户设置 → 隐私与安全）。",
        "zh-TW": "要接收它們，請允許來自本伺服器成員的私訊：點擊伺服器名稱 → **隱私設定** → 開啟**私訊**"
                 "（或 使用者設定 → 隱私與安全）。",
    },
    "dm.stopped": {"en": "⚠️ Deliveries are stopped: {reason}. {help}", "zh-CN": "⚠️ 推送已停止：{reason}。{help}",
                   "zh-TW": "⚠️ 推送已停止：{reason}。{help}"},
    "dm.undelivered": {
        "en": "⚠️ Your paper alerts could not be delivered: {reason}. {help} I'll try again at the next digest.",
        "zh-CN": "⚠️ 你的论文提醒无法送达：{reason}。{help} 下次日报时我会再试一次。",
        "zh-TW": "⚠️ 你的論文提醒無法送達：{reason}。{help} 下次日報時我會再試一次。",
    },
    "subscriptions.title": {"en": "Your subscriptions ({n}/{max})", "zh-CN": "你的订阅（{n}/{max}）",
                            "zh-TW": "你的訂閱（{n}/{max}）"},
    "feed.unknown_topic": {
        "en": "Unknown topic **{topic}**. Known topics: {known}, or `all`.",
        "zh-CN": "未知主题 **{topic}**。已知主题：{known}，或 `all`。",
        "zh-TW": "未知主題 **{topic}**。已知主題：{known}，或 `all`。",
    },
    "feed.no_topics": {"en": "none yet: run /digest run first", "zh-CN": "暂无：请先运行 `/日报 运行`",
                       "zh-TW": "暫無：請先執行 `/日報 執行`"},
    "feed.cannot_post": {
        "en": "I can't post in {channel}: I need {missing} there. Fix the channel's permissions, then run this "
              "again.",
        "zh-CN": "我无法在 {channel} 发帖：我需要那里的 {missing} 权限。修好频道权限后再运行一次。",
        "zh-TW": "我無法在 {channel} 發文：我需要那裡的 {missing} 權限。修好頻道權限後再執行一次。",
    },
    "feed.added": {
        "en": "Added: {channel} gets new papers of {what}{filter}, as {how}. The first delivery posts only the newest "
              "digest post, then every new paper, daily at {time} ({timezone}). Run `/digest run` to post now.{note}",
        "zh-CN": "已添加：{channel} 将收到 {what}{filter} 的新论文，形式为{how}。第一次只发布最新一期日报，之后发布每篇"
                 "新论文，每天 {time}（{timezone}）。运行 `/日报 运行` 立即发布。{note}",
        "zh-TW": "已新增：{channel} 將收到 {what}{filter} 的新論文，形式為{how}。第一次只發佈最新一期日報，之後發佈每篇"
                 "新論文，每天 {time}（{timezone}）。執行 `/日報 執行` 立即發佈。{note}",
    },
    "feed.style.cards": {"en": "a card per paper, at most {max} a day",
                         "zh-CN": "每篇论文一张卡片（每天最多 {max} 篇）",
                         "zh-TW": "每篇論文一張卡片（每天最多 {max} 篇）"},
    "feed.style.digest": {"en": "one digest message per topic and day (a paged list)",
                          "zh-CN": "每个主题每天一条汇总消息（分页列表）",
                          "zh-TW": "每個主題每天一則彙整訊息（分頁清單）"},
    "feed.forum_note": {"en": " A forum gets a post per paper, for discussion.",
                        "zh-CN": "论坛频道中每篇论文一个帖子，便于讨论。",
                        "zh-TW": "論壇頻道中每篇論文一則貼文，方便討論。"},
    "feed.updated": {
        "en": "Updated: {channel} already had {what}; its keywords are now {keywords}; it posts {how}.{note}",
        "zh-CN": "已更新：{channel} 已有 {what}；关键词现在是 {keywords}；形式为{how}。{note}",
        "zh-TW": "已更新：{channel} 已有 {what}；關鍵字現在是 {keywords}；形式為{how}。{note}",
    },
    "feed.no_such": {
        "en": "{channel} has no feed for **{topic}**; `/feed list` shows this server's feeds.",
        "zh-CN": "{channel} 没有 **{topic}** 的推送；`/推送 列表` 列出本服务器的推送。",
        "zh-TW": "{channel} 沒有 **{topic}** 的推送；`/推送 列表` 列出本伺服器的推送。",
    },
    "feed.removed": {"en": "Removed: {channel} no longer gets **{topic}** papers.",
                     "zh-CN": "已移除：{channel} 不再接收 **{topic}** 的论文。",
                     "zh-TW": "已移除：{channel} 不再接收 **{topic}** 的論文。"},
    "feed.changed": {
        "en": "Changed: from the next delivery, {channel} gets **{topic}** as {how}.{note}",
        "zh-CN": "已修改：从下一次推送起，{channel} 以{how}接收 **{topic}**。{note}",
        "zh-TW": "已修改：從下一次推送起，{channel} 以{how}接收 **{topic}**。{note}",
    },
    "feed.still_paused": {"en": "Still paused: I need {missing} in {channel}.",
                          "zh-CN": "仍然暂停：我需要 {channel} 的 {missing} 权限。",
                          "zh-TW": "仍然暫停：我需要 {channel} 的 {missing} 權限。"},
    "feed.resumed": {"en": "Resumed: {channel} gets **{topic}** papers again from the next cycle.",
                     "zh-CN": "已恢复：从下一轮起 {channel} 重新接收 **{topic}** 的论文。",
                     "zh-TW": "已恢復：從下一輪起 {channel} 重新接收 **{topic}** 的論文。"},
    "digest.busy": {
        "en": "A digest cycle (or the delivery after a restart) is running right now and will post what it has. "
              "Run `/digest run` again in a few minutes if this server's newest papers are missing.",
        "zh-CN": "一轮日报（或重启后的推送）正在运行，会发布它已有的内容。如果几分钟后本服务器仍缺少最新论文，"
                 "请再运行一次 `/日报 运行`。",
        "zh-TW": "一輪日報（或重新啟動後的推送）正在執行，會發佈它已有的內容。如果幾分鐘後本伺服器仍缺少最新論文，"
                 "請再執行一次 `/日報 執行`。",
    },
    "digest.done": {"en": "Digest done.", "zh-CN": "日报已完成。", "zh-TW": "日報已完成。"},
    "feed.every_topic": {"en": "every topic", "zh-CN": "所有主题", "zh-TW": "所有主題"},
    "feed.all_topics": {"en": "all topics", "zh-CN": "所有主题", "zh-TW": "所有主題"},
    "feed.mentioning": {"en": " mentioning {words}", "zh-CN": "（提到 {words}）", "zh-TW": "（提到 {words}）"},
    "feed.none": {"en": "none", "zh-CN": "无", "zh-TW": "無"},
    "feed.list_empty": {
        "en": "No feeds yet. Add one with `/feed add channel: topic:`.",
        "zh-CN": "还没有推送。用 `/推送 添加 频道: 主题:` 添加一个。",
        "zh-TW": "還沒有推送。用 `/推送 新增 頻道: 主題:` 新增一個。",
    },
    "feed.list_title": {"en": "Paper feeds", "zh-CN": "论文推送", "zh-TW": "論文推送"},
    "feed.keywords": {"en": "keywords: {words}", "zh-CN": "关键词：{words}", "zh-TW": "關鍵字：{words}"},
    "feed.active": {"en": "✅ active", "zh-CN": "✅ 运行中", "zh-TW": "✅ 運作中"},
    "feed.paused": {"en": "⏸️ paused: {reason}", "zh-CN": "⏸️ 已暂停：{reason}", "zh-TW": "⏸️ 已暫停：{reason}"},
    # /status (the CLI's `status` prints the English)
    "status.title": {"en": "Paperboy status", "zh-CN": "Paperboy 状态", "zh-TW": "Paperboy 狀態"},
    "status.sources": {"en": "Sources", "zh-CN": "来源", "zh-TW": "來源"},
    "status.schedule": {"en": "Schedule", "zh-CN": "计划", "zh-TW": "排程"},
    "status.deliveries": {"en": "Deliveries", "zh-CN": "推送", "zh-TW": "推送"},
    "status.paused": {"en": "Paused feeds", "zh-CN": "已暂停的推送", "zh-TW": "已暫停的推送"},
    "status.database": {"en": "Database", "zh-CN": "数据库", "zh-TW": "資料庫"},
    "status.never": {"en": "never", "zh-CN": "从未", "zh-TW": "從未"},
    "status.none": {"en": "none", "zh-CN": "无", "zh-TW": "無"},
    "status.none_configured": {"en": "none configured", "zh-CN": "未配置", "zh-TW": "未設定"},
    "status.source": {"en": "{name}: last success {when}; newest post {post}",
                      "zh-CN": "{name}：上次成功 {when}；最新一期 {post}",
                      "zh-TW": "{name}：上次成功 {when}；最新一期 {post}"},
    "status.failures": {"en": {"one": "; {n} failed run in a row", "other": "; {n} failed runs in a row"},
                        "zh-CN": "；连续 {n} 次失败", "zh-TW": "；連續 {n} 次失敗"},
    "status.next_retry": {"en": ", next retry {when}", "zh-CN": "，下次重试 {when}", "zh-TW": "，下次重試 {when}"},
    "status.retry_at_run": {"en": ", retried at the next run", "zh-CN": "，下次运行时重试",
                            "zh-TW": "，下次執行時重試"},
    "status.error": {"en": "error: {error}", "zh-CN": "错误：{error}", "zh-TW": "錯誤：{error}"},
    "status.last_cycle": {"en": "last cycle completed {when}", "zh-CN": "上一轮完成于 {when}",
                          "zh-TW": "上一輪完成於 {when}"},
    "status.next_run": {"en": "next run {when}", "zh-CN": "下次运行 {when}", "zh-TW": "下次執行 {when}"},
    "status.retry_cycle": {"en": "retry of a failed cycle {when}", "zh-CN": "失败的一轮将于 {when} 重试",
                           "zh-TW": "失敗的一輪將於 {when} 重試"},
    "status.outbox": {"en": "{pending} pending, {failed} failed, {sent} sent (kept 30 days)",
                      "zh-CN": "{pending} 条待发，{failed} 条失败，{sent} 条已发（保留 30 天）",
                      "zh-TW": "{pending} 則待發，{failed} 則失敗，{sent} 則已發（保留 30 天）"},
    "settings.alerts_off": {
        "en": "Alerts are off for this server{was}. `/settings alerts channel:` turns them on.",
        "zh-CN": "本服务器的提醒已关闭{was}。`/设置 通知 频道:` 可重新开启。",
        "zh-TW": "本伺服器的提醒已關閉{was}。`/設定 通知 頻道:` 可重新開啟。",
    },
    "settings.alerts_were": {"en": " (they went to {channel})", "zh-CN": "（之前发送到 {channel}）",
                             "zh-TW": "（之前傳送到 {channel}）"},
    "settings.alerts_cannot_post": {
        "en": "I can't post in {channel}: I need View Channel and Send Messages there.",
        "zh-CN": "我无法在 {channel} 发帖：我需要那里的查看频道和发送消息权限。",
        "zh-TW": "我無法在 {channel} 發文：我需要那裡的檢視頻道和傳送訊息權限。",
    },
    "settings.alerts_on": {
        "en": "Alerts go to {channel}: once when a paper source fails or is later than its usual rhythm, once when "
              "it catches up. `/status` shows every source.",
        "zh-CN": "提醒将发送到 {channel}：论文来源出错或晚于平常节奏时提醒一次，恢复时再提醒一次。"
                 "`/状态` 显示所有来源。",
        "zh-TW": "提醒將傳送到 {channel}：論文來源出錯或晚於平常節奏時提醒一次，恢復時再提醒一次。"
                 "`/狀態` 顯示所有來源。",
    },
    "alert.channel_lost": {
        "en": "Alerts were set to go to {channel}, which is deleted or where Paperboy can no longer post. That "
              "setting is cleared, so this alert comes here; `/settings alerts channel:` picks the channel for "
              "the next ones.",
        "zh-CN": "提醒原本发送到 {channel}，但该频道已被删除或 Paperboy 无法再在那里发帖。此设置已清除，所以这条提醒"
                 "发到这里；`/设置 通知 频道:` 可为之后的提醒选择频道。",
        "zh-TW": "提醒原本傳送到 {channel}，但該頻道已被刪除或 Paperboy 無法再在那裡發文。此設定已清除，所以這則提醒"
                 "發到這裡；`/設定 通知 頻道:` 可為之後的提醒選擇頻道。",
    },
    "settings.alerts_set": {
        "en": "Paperboy's alerts for this server now go to {channel}.",
        "zh-CN": "本服务器的 Paperboy 提醒现在发送到 {channel}。",
        "zh-TW": "本伺服器的 Paperboy 提醒現在傳送到 {channel}。",
    },
    # 💬 Discuss (bot/ui/discuss.py)
    "discuss.text_only": {"en": "Threads can be opened in a text channel only; discuss this paper right here.",
                          "zh-CN": "只能在文字频道中开启讨论串；请直接在这里讨论这篇论文。",
                          "zh-TW": "只能在文字頻道中開啟討論串；請直接在這裡討論這篇論文。"},
    "discuss.found": {"en": "This paper's discussion: {thread}", "zh-CN": "这篇论文的讨论：{thread}",
                      "zh-TW": "這篇論文的討論：{thread}"},
    "discuss.opened": {"en": "Opened a thread for this paper: {thread}", "zh-CN": "已为这篇论文开启讨论串：{thread}",
                       "zh-TW": "已為這篇論文開啟討論串：{thread}"},
    "discuss.forbidden": {
        "en": "I can't open a thread here: I need the **Create Public Threads** and **Send Messages in Threads** "
              "permissions in this channel. Ask an admin, or discuss the paper right here.",
        "zh-CN": "我无法在这里开启讨论串：我需要本频道的**创建公开子区**和**在子区中发送消息**权限。请联系管理员，"
                 "或直接在这里讨论。",
        "zh-TW": "我無法在這裡開啟討論串：我需要本頻道的**建立公開討論串**和**在討論串中傳送訊息**權限。請聯絡管理員，"
                 "或直接在這裡討論。",
    },
    "discuss.missing": {
        "en": "I can't open a thread here: I'm missing {names} in this channel. Ask an admin to give it to me, "
              "or discuss the paper right here.",
        "zh-CN": "我无法在这里开启讨论串：我在本频道缺少 {names} 权限。请管理员授予，或直接在这里讨论。",
        "zh-TW": "我無法在這裡開啟討論串：我在本頻道缺少 {names} 權限。請管理員授予，或直接在這裡討論。",
    },
    "discuss.opened_from": {"en": "{user} opened a discussion of this paper from [{where}]({url})",
                            "zh-CN": "{user} 从 [{where}]({url}) 开启了这篇论文的讨论",
                            "zh-TW": "{user} 從 [{where}]({url}) 開啟了這篇論文的討論"},
    "digest.ranked_plain": {"en": "best first: code, a named venue", "zh-CN": "排序：有代码、有发表会议",
                            "zh-TW": "排序：有程式碼、有發表會議"},
    # a day of papers as pages of per-paper embeds (bot/ui/paper_pages.py)
    "digest.ranked": {"en": "best first: keyword matches, code, a named venue",
                      "zh-CN": "排序：关键词匹配、有代码、有发表会议",
                      "zh-TW": "排序：關鍵字符合、有程式碼、有發表會議"},
    "reason.keyword": {"en": "🔑 {detail}", "zh-CN": "🔑 {detail}", "zh-TW": "🔑 {detail}"},
    "reason.like": {"en": "💡 why: like “{title}”", "zh-CN": "💡 因为你喜欢“{title}”",
                    "zh-TW": "💡 因為你喜歡「{title}」"},
    "dm.day_header": {
        "en": {"one": "📬 **{n} new paper** for your subscriptions: {groups} · `/subscriptions` to change them",
               "other": "📬 **{n} new papers** for your subscriptions: {groups} · `/subscriptions` to change them"},
        "zh-CN": "📬 你的订阅有 **{n} 篇新论文**：{groups} · 用 `/我的订阅` 修改",
        "zh-TW": "📬 你的訂閱有 **{n} 篇新論文**：{groups} · 用 `/我的訂閱` 修改",
    },
    "dm.catchup": {
        "en": {"one": "🏖️ Welcome back: {n} paper matched your subscriptions while you were away; the {shown} you "
                      "would like most:",
               "other": "🏖️ Welcome back: {n} papers matched your subscriptions while you were away; the {shown} you "
                        "would like most:"},
        "zh-CN": "🏖️ 欢迎回来：你不在时有 {n} 篇论文符合你的订阅；以下是你可能最喜欢的 {shown} 篇：",
        "zh-TW": "🏖️ 歡迎回來：你不在時有 {n} 篇論文符合你的訂閱；以下是你可能最喜歡的 {shown} 篇：",
    },
    "dm.group": {"en": {"one": "**{label}** · {n} paper", "other": "**{label}** · {n} papers"},
                 "zh-CN": "**{label}** · {n} 篇", "zh-TW": "**{label}** · {n} 篇"},
    "dm.group_span": {"en": "**{label}** {first}–{last} of {n}", "zh-CN": "**{label}** 第 {first}–{last} 篇，共 {n} 篇",
                      "zh-TW": "**{label}** 第 {first}–{last} 篇，共 {n} 篇"},
    # chrome around papers: cards, their buttons, the Abstract reply, alerts (issue 16 item 5)
    "card.more": {"en": "*+{n} more under Abstract*", "zh-CN": "*另有 {n} 条见“摘要”*",
                  "zh-TW": "*另有 {n} 條見「摘要」*"},
    "card.arxiv": {"en": "arXiv {id}", "zh-CN": "arXiv {id}", "zh-TW": "arXiv {id}"},
    "card.matched_value": {"en": "{kind}: {value}", "zh-CN": "{kind}：{value}", "zh-TW": "{kind}：{value}"},
    "abstract.footer": {"en": "Abstract · arXiv {id}", "zh-CN": "摘要 · arXiv {id}", "zh-TW": "摘要 · arXiv {id}"},
    "abstract.heading": {"en": "Abstract", "zh-CN": "英文摘要", "zh-TW": "英文摘要"},
    "abstract.none": {"en": "This entry has no English abstract.", "zh-CN": "这篇论文没有英文摘要。",
                      "zh-TW": "這篇論文沒有英文摘要。"},
    "menu.read_abstract": {"en": "Read an abstract…", "zh-CN": "阅读一篇摘要…", "zh-TW": "閱讀一篇摘要…"},
    # English keeps what a card in either language showed before: the menu named its language in it
    "menu.read_in_en": {"en": "🌐 Read in English…", "zh-CN": "🌐 用英文阅读…", "zh-TW": "🌐 用英文閱讀…"},
    "menu.read_in_zh": {"en": "🌐 用中文阅读…", "zh-CN": "🌐 用中文阅读…", "zh-TW": "🌐 用中文閱讀…"},
    "permission.view_channel": {"en": "View Channel", "zh-CN": "查看频道", "zh-TW": "檢視頻道"},
    "permission.send_messages": {"en": "Send Messages", "zh-CN": "发送消息", "zh-TW": "傳送訊息"},
    "permission.embed_links": {"en": "Embed Links", "zh-CN": "嵌入链接", "zh-TW": "嵌入連結"},
    "alert.failed": {"en": "Source {source} is failing: {reason}", "zh-CN": "来源 {source} 抓取失败：{reason}",
                     "zh-TW": "來源 {source} 抓取失敗：{reason}"},
    "alert.late": {"en": "Source {source} has gone quiet: {reason}", "zh-CN": "来源 {source} 久未更新：{reason}",
                   "zh-TW": "來源 {source} 久未更新：{reason}"},
    "alert.database_damaged": {
        "en": "Paperboy's database is damaged (its integrity check found: {problem}). Papers may be missing and "
              "new ones may not be kept. Whoever runs Paperboy: stop it and restore the newest good backup (README: "
              "\"Recover from a damaged database\").",
        "zh-CN": "Paperboy 的数据库已损坏（完整性检查发现：{problem}）。论文可能缺失，新论文可能无法保存。"
                 "请运行 Paperboy 的人停止它并恢复最近一份完好的备份"
                 "（见 `README` 的 `Recover from a damaged database`）。",
        "zh-TW": "Paperboy 的資料庫已損壞（完整性檢查發現：{problem}）。論文可能缺失，新論文可能無法保存。"
                 "請執行 Paperboy 的人停止它並還原最近一份完好的備份"
                 "（見 `README` 的 `Recover from a damaged database`）。",
    },
    "alert.keeps_trying": {
        "en": "Paperboy keeps trying; `/status` shows every source. You will hear once when it catches up.",
        "zh-CN": "Paperboy 会继续尝试；`/状态` 显示所有来源。恢复时会再通知一次。",
        "zh-TW": "Paperboy 會繼續嘗試；`/狀態` 顯示所有來源。恢復時會再通知一次。",
    },
    "alert.back": {"en": "Source {source} is working again (alerting since {since})",
                   "zh-CN": "来源 {source} 已恢复正常（自 {since} 起提醒）",
                   "zh-TW": "來源 {source} 已恢復正常（自 {since} 起提醒）"},
    "alert.caught_up": {
        "en": {"one": "Source {source} caught up: {n} paper (alerting since {since})",
               "other": "Source {source} caught up: {n} papers (alerting since {since})"},
        "zh-CN": "来源 {source} 已恢复：{n} 篇论文（自 {since} 起提醒）",
        "zh-TW": "來源 {source} 已恢復：{n} 篇論文（自 {since} 起提醒）",
    },
    # the group's own signal (issue 22): feedback, saved papers, forgetting a member
    "button.like": {"en": "👍", "zh-CN": "👍", "zh-TW": "👍"},
    "button.dislike": {"en": "👎", "zh-CN": "👎", "zh-TW": "👎"},
    "button.save": {"en": "🔖 Save", "zh-CN": "🔖 收藏", "zh-TW": "🔖 收藏"},
    "button.not_interested": {"en": "🙈 Not interested", "zh-CN": "🙈 不感兴趣", "zh-TW": "🙈 不感興趣"},
    "feedback.hide": {
        "en": "🙈 Noted: papers of **{topic}** come last in your DMs and `/foryou` from now on.",
        "zh-CN": "🙈 已记下：从现在起，**{topic}** 的论文排在你的私信和 `/为你推荐` 的最后。",
        "zh-TW": "🙈 已記下：從現在起，**{topic}** 的論文排在你的私訊和 `/為你推薦` 的最後。",
    },
    "feedback.up": {"en": "👍 Noted: you like **{title}**.", "zh-CN": "👍 已记下：你喜欢 **{title}**。",
                    "zh-TW": "👍 已記下：你喜歡 **{title}**。"},
    "feedback.down": {"en": "👎 Noted: **{title}** is not for you.", "zh-CN": "👎 已记下：**{title}** 不适合你。",
                      "zh-TW": "👎 已記下：**{title}** 不適合你。"},
    "feedback.cleared": {"en": "Took back your {mark} on **{title}**.", "zh-CN": "已撤回你对 **{title}** 的 {mark}。",
                         "zh-TW": "已撤回你對 **{title}** 的 {mark}。"},
    "feedback.counts": {
        "en": "This paper so far: 👍 {up} · 👎 {down} (only counts are shown, never who).",
        "zh-CN": "这篇论文目前：👍 {up} · 👎 {down}（只显示人数，从不显示是谁）。",
        "zh-TW": "這篇論文目前：👍 {up} · 👎 {down}（只顯示人數，從不顯示是誰）。",
    },
    "saved.added": {"en": "🔖 Saved **{title}**. `/saved` lists your saved papers (only you see them).",
                    "zh-CN": "🔖 已收藏 **{title}**。`/收藏` 列出你收藏的论文（只有你能看到）。",
                    "zh-TW": "🔖 已收藏 **{title}**。`/收藏` 列出你收藏的論文（只有你看得到）。"},
    "saved.removed": {"en": "Removed **{title}** from your saved papers.", "zh-CN": "已从收藏中移除 **{title}**。",
                      "zh-TW": "已從收藏中移除 **{title}**。"},
    "saved.title": {"en": "Your saved papers", "zh-CN": "你收藏的论文", "zh-TW": "你收藏的論文"},
    "saved.none": {"en": "You have no saved papers yet: click 🔖 Save under any paper.",
                   "zh-CN": "你还没有收藏论文：点任意论文下的 🔖 收藏。",
                   "zh-TW": "你還沒有收藏論文：點任意論文下的 🔖 收藏。"},
    "saved.export": {
        "en": {"one": "Your {n} saved paper as {format}.", "other": "Your {n} saved papers as {format}."},
        "zh-CN": "你收藏的 {n} 篇论文（{format}）。",
        "zh-TW": "你收藏的 {n} 篇論文（{format}）。",
    },
    "forget.ask": {
        "en": "This deletes everything Paperboy keeps about you: {what}. It cannot be undone.",
        "zh-CN": "这会删除 Paperboy 保存的你的全部数据：{what}。无法撤销。",
        "zh-TW": "這會刪除 Paperboy 保存的你的全部資料：{what}。無法復原。",
    },
    "forget.what": {
        "en": "your subscriptions, your 👍 / 👎, your saved papers, your language setting, your DM schedule "
              "and your DM deliveries",
        "zh-CN": "你的订阅、你的 👍 / 👎、你收藏的论文、你的语言设置、你的私信时间安排和你的私信推送记录",
        "zh-TW": "你的訂閱、你的 👍 / 👎、你收藏的論文、你的語言設定、你的私訊時間安排和你的私訊推送記錄",
    },
    "forget.button": {"en": "Erase all my data", "zh-CN": "删除我的全部数据", "zh-TW": "刪除我的全部資料"},
    "forget.done": {
        "en": "Done: Paperboy no longer keeps anything about you ({subs} subscriptions, {feedback} 👍 / 👎, "
              "{saved} saved papers deleted).",
        "zh-CN": "已完成：Paperboy 不再保存你的任何数据（已删除 {subs} 个订阅、{feedback} 个 👍 / 👎、"
                 "{saved} 篇收藏）。",
        "zh-TW": "已完成：Paperboy 不再保存你的任何資料（已刪除 {subs} 個訂閱、{feedback} 個 👍 / 👎、"
                 "{saved} 篇收藏）。",
    },
    "foryou.title": {"en": "For you: papers since {since}, the ones you would like first",
                     "zh-CN": "为你推荐：{since} 以来的论文，你可能喜欢的在前",
                     "zh-TW": "為你推薦：{since} 以來的論文，你可能喜歡的在前"},
    "foryou.cold": {"en": "Papers since {since}, newest first (👍 / 👎 under papers to rank them for you)",
                    "zh-CN": "{since} 以来的论文，最新的在前（在论文下点 👍 / 👎，即可为你排序）",
                    "zh-TW": "{since} 以來的論文，最新的在前（在論文下點 👍 / 👎，即可為你排序）"},
    # exclusions (/subscribe exclude:, /feed add|edit exclude:)
    "exclude.too_short": {
        "en": "Each exclusion needs at least {min} characters (**{word}** is too short); nothing changed.",
        "zh-CN": "每个排除词至少需要 {min} 个字符（**{word}** 太短）；没有变化。",
        "zh-TW": "每個排除詞至少需要 {min} 個字元（**{word}** 太短）；沒有變化。",
    },
    "exclude.too_many": {"en": "At most {max} exclusions (words or phrases, comma separated); nothing changed.",
                         "zh-CN": "最多 {max} 个排除词（词语或短语，用逗号分隔）；没有变化。",
                         "zh-TW": "最多 {max} 個排除詞（詞語或短語，用逗號分隔）；沒有變化。"},
    "exclude.everything": {
        "en": "That would leave out everything: every paper matching {what} mentions **{word}**, which you exclude. "
              "Nothing changed; exclude narrower words.",
        "zh-CN": "这样会排除所有论文：每篇匹配 {what} 的论文都含有你排除的 **{word}**。没有变化；请排除更具体的词。",
        "zh-TW": "這樣會排除所有論文：每篇符合 {what} 的論文都含有你排除的 **{word}**。沒有變化；請排除更具體的詞。",
    },
    "exclude.set": {"en": "Papers mentioning {words} are left out.", "zh-CN": "提到 {words} 的论文会被排除。",
                    "zh-TW": "提到 {words} 的論文會被排除。"},
    "exclude.cleared": {"en": "No exclusions any more.", "zh-CN": "已清除排除词。", "zh-TW": "已清除排除詞。"},
    "exclude.updated": {"en": "You already follow {kind} **{value}**.", "zh-CN": "你已经关注了{kind} **{value}**。",
                        "zh-TW": "你已經追蹤了{kind} **{value}**。"},
    "exclude.listed": {"en": "without: {words}", "zh-CN": "排除：{words}", "zh-TW": "排除：{words}"},
    "feed.edit_nothing": {"en": "Give `style:`, `exclude:`, `regex:` or `min_score:` (`exclude: -` and `regex: -` "
                                "clear them).",
                          "zh-CN": "请填写 `样式:`、`排除:`、`正则:` 或 `最低分:`（`排除: -` 和 `正则: -` 清除它们）。",
                          "zh-TW": "請填寫 `樣式:`、`排除:`、`正則:` 或 `最低分:`"
                                   "（`排除: -` 和 `正則: -` 清除它們）。"},
    # a member's DM schedule (/subscriptions dms: time: timezone: frequency: weekday:, /away)
    "weekdays": {"en": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
                 "zh-CN": "周一,周二,周三,周四,周五,周六,周日", "zh-TW": "週一,週二,週三,週四,週五,週六,週日"},
    "schedule.cycle": {"en": "when the day's papers arrive", "zh-CN": "每天论文到达时",
                       "zh-TW": "每天論文到達時"},
    "schedule.at": {"en": "at {hour} ({timezone})", "zh-CN": "在 {hour}（{timezone}）",
                    "zh-TW": "在 {hour}（{timezone}）"},
    "schedule.weekly": {"en": "once a week, on {day} {when}", "zh-CN": "每周一次，{day}{when}",
                        "zh-TW": "每週一次，{day}{when}"},
    "schedule.line": {"en": "Your DM comes {when}.", "zh-CN": "你的私信推送时间：{when}。",
                      "zh-TW": "你的私訊推送時間：{when}。"},
    "schedule.paused_short": {"en": "⏸️ paused", "zh-CN": "⏸️ 已暂停", "zh-TW": "⏸️ 已暫停"},
    "schedule.paused": {
        "en": "⏸️ Your DMs are paused: nothing is sent, and papers matched meanwhile are not kept. "
              "`/subscriptions dms: resume` turns them back on.",
        "zh-CN": "⏸️ 你的私信推送已暂停：不会发送，期间匹配的论文也不保留。用 `/我的订阅 私信: 恢复` 恢复。",
        "zh-TW": "⏸️ 你的私訊推送已暫停：不會發送，期間符合的論文也不保留。用 `/我的訂閱 私訊: 恢復` 恢復。"},
    "schedule.resumed": {"en": "▶️ Your DMs are on again.", "zh-CN": "▶️ 你的私信推送已恢复。",
                         "zh-TW": "▶️ 你的私訊推送已恢復。"},
    "schedule.bad_time": {
        "en": "`{time}` is not a whole hour: give one like `08:00` or `20`, or `-` for when the day's papers "
              "arrive. Nothing changed.",
        "zh-CN": "`{time}` 不是整点：请填写 `08:00` 或 `20` 这样的整点，或用 `-` 表示论文到达时。没有变化。",
        "zh-TW": "`{time}` 不是整點：請填寫 `08:00` 或 `20` 這樣的整點，或用 `-` 表示論文到達時。沒有變化。"},
    "schedule.bad_timezone": {
        "en": "`{timezone}` is not a timezone Paperboy knows: use a name like `Europe/Berlin`, `Asia/Shanghai` or "
              "`UTC`. Nothing changed.",
        "zh-CN": "Paperboy 不认识时区 `{timezone}`：请使用 `Asia/Shanghai`、`Europe/Berlin` 或 `UTC` 这样的名称。"
                 "没有变化。",
        "zh-TW": "Paperboy 不認識時區 `{timezone}`：請使用 `Asia/Taipei`、`Europe/Berlin` 或 `UTC` 這樣的名稱。"
                 "沒有變化。"},
    "away.set": {
        "en": "🏖️ Away until {until}: no DMs before then. That day, one DM brings the {n} papers you would like "
              "most of what matched meanwhile. `/away until: -` if you are back sooner.",
        "zh-CN": "🏖️ 离开至 {until}：在此之前不发私信。当天会有一条私信，送上期间匹配的论文中你可能最喜欢的 {n} 篇。"
                 "提前回来请用 `/离开 直到: -`。",
        "zh-TW": "🏖️ 離開至 {until}：在此之前不發私訊。當天會有一則私訊，送上期間符合的論文中你可能最喜歡的 {n} 篇。"
                 "提前回來請用 `/離開 直到: -`。"},
    "away.short": {"en": "🏖️ away until {until} (then the best {n})",
                   "zh-CN": "🏖️ 离开至 {until}（之后送上最好的 {n} 篇）",
                   "zh-TW": "🏖️ 離開至 {until}（之後送上最好的 {n} 篇）"},
    "away.back": {"en": "Welcome back: what matched while you were away comes in one DM at your next DM time.",
                  "zh-CN": "欢迎回来：你不在时匹配的论文会在下次推送时合成一条私信发给你。",
                  "zh-TW": "歡迎回來：你不在時符合的論文會在下次推送時合成一則私訊發給你。"},
    "away.not_away": {"en": "You are not away.", "zh-CN": "你当前不在离开状态。", "zh-TW": "你目前不在離開狀態。"},
    "away.bad_format": {"en": "`{until}` is not a date: give one like `2026-01-05`. Nothing changed.",
                        "zh-CN": "`{until}` 不是日期：请填写 `2026-01-05` 这样的日期。没有变化。",
                        "zh-TW": "`{until}` 不是日期：請填寫 `2026-01-05` 這樣的日期。沒有變化。"},
    "away.bad_past": {"en": "{until} is not in the future: give the day you are back. Nothing changed.",
                      "zh-CN": "{until} 不是将来的日期：请填写你回来的那一天。没有变化。",
                      "zh-TW": "{until} 不是未來的日期：請填寫你回來的那一天。沒有變化。"},
    "away.bad_far": {"en": "{until} is more than a year away; nothing changed. `/subscriptions dms: pause` stops "
                           "DMs for as long as you like.",
                     "zh-CN": "{until} 超过一年；没有变化。用 `/我的订阅 私信: 暂停` 可以无限期暂停私信。",
                     "zh-TW": "{until} 超過一年；沒有變化。用 `/我的訂閱 私訊: 暫停` 可以無限期暫停私訊。"},
    # the lab's week (/settings week, /top)
    "top.title.week": {"en": "🏆 This server's week: the papers you reacted to most ({since} – {until})",
                       "zh-CN": "🏆 本服务器的一周：大家反应最多的论文（{since} – {until}）",
                       "zh-TW": "🏆 本伺服器的一週：大家反應最多的論文（{since} – {until}）"},
    "top.title.month": {"en": "🏆 This server's month: the papers you reacted to most ({since} – {until})",
                        "zh-CN": "🏆 本服务器的一个月：大家反应最多的论文（{since} – {until}）",
                        "zh-TW": "🏆 本伺服器的一個月：大家反應最多的論文（{since} – {until}）"},
    "top.none": {"en": "A quiet time: nobody here clicked 👍 or 👎 under a paper in this period.",
                 "zh-CN": "这段时间很安静：这里没有人在论文下点 👍 或 👎。",
                 "zh-TW": "這段時間很安靜：這裡沒有人在論文下點 👍 或 👎。"},
    "settings.week_on": {
        "en": "Every {day} at {hour} UTC, {channel} gets the papers this server reacted to most that week.",
        "zh-CN": "每{day} {hour}（协调世界时），{channel} 会收到本服务器这一周反应最多的论文。",
        "zh-TW": "每{day} {hour}（協調世界時），{channel} 會收到本伺服器這一週反應最多的論文。"},
    "settings.week_off": {"en": "No weekly post any more.", "zh-CN": "已停止每周汇总。", "zh-TW": "已停止每週彙整。"},
    # the journal club (/club propose|schedule|list)
    "club.vote": {"en": "🗳️ Vote", "zh-CN": "🗳️ 投票", "zh-TW": "🗳️ 投票"},
    "club.proposed": {"en": "📚 {user} proposes **[{title}]({url})** for the journal club. Vote below; "
                            "`/club list` shows the list.",
                      "zh-CN": "📚 {user} 提议在读书会上读 "
                               "**[{title}]({url})**。请在下面投票；`/读书会 列表` 查看全部。",
                      "zh-TW": "📚 {user} 提議在讀書會上讀 "
                               "**[{title}]({url})**。請在下面投票；`/讀書會 列表` 查看全部。"},
    "club.already": {"en": "arXiv {id} is on the journal-club list already: vote for it under its proposal.",
                     "zh-CN": "arXiv {id} 已经在读书会列表中：请在它的提议下投票。",
                     "zh-TW": "arXiv {id} 已經在讀書會列表中：請在它的提議下投票。"},
    "club.not_listed": {"en": "arXiv {id} is no longer on the journal-club list.",
                        "zh-CN": "arXiv {id} 已不在读书会列表中。", "zh-TW": "arXiv {id} 已不在讀書會列表中。"},
    "club.voted": {"en": {"one": "🗳️ Your vote for arXiv {id} is in: {n} vote.",
                          "other": "🗳️ Your vote for arXiv {id} is in: {n} votes."},
                   "zh-CN": "🗳️ 已为 arXiv {id} 投票：共 {n} 票。", "zh-TW": "🗳️ 已為 arXiv {id} 投票：共 {n} 票。"},
    "club.unvoted": {"en": {"one": "Took back your vote for arXiv {id}: {n} vote.",
                            "other": "Took back your vote for arXiv {id}: {n} votes."},
                     "zh-CN": "已撤回对 arXiv "
                              "{id} 的投票：共 {n} 票。", "zh-TW": "已撤回對 arXiv {id} 的投票：共 {n} 票。"},
    "club.bad_format": {"en": "`{when}` is not a date and time: give one like `2026-01-09 16:00` (UTC). "
                              "Nothing changed.",
                        "zh-CN": "`{when}` 不是日期和时间：请填写 "
                                 "`2026-01-09 16:00` 这样的时间（协调世界时）。没有变化。",
                        "zh-TW": "`{when}` 不是日期和時間：請填寫 "
                                 "`2026-01-09 16:00` 這樣的時間（協調世界時）。沒有變化。"},
    "club.bad_past": {"en": "`{when}` is not in the future. Nothing changed.",
                      "zh-CN": "`{when}` 不是将来的时间。没有变化。", "zh-TW": "`{when}` 不是未來的時間。沒有變化。"},
    "club.empty": {"en": "Nothing is waiting on the journal-club list: `/club propose paper:` adds one.",
                   "zh-CN": "读书会列表里没有待定的论文：用 `/读书会 提议 论文:` 添加。",
                   "zh-TW": "讀書會列表裡沒有待定的論文：用 `/讀書會 提議 論文:` 新增。"},
    "club.forbidden": {"en": "Paperboy needs **Manage Events** and **Create Public Threads** here to schedule it. "
                             "Nothing changed.",
                       "zh-CN": "Paperboy 需要在这里拥有“管理活动”和“创建公开子区”权限才能安排。没有变化。",
                       "zh-TW": "Paperboy 需要在這裡擁有「管理活動」和「建立公開討論串」權限才能安排。沒有變化。"},
    "club.event": {"en": "Journal club: {presenter} presents {url}", "zh-CN": "读书会：{presenter} 讲解 {url}",
                   "zh-TW": "讀書會：{presenter} 講解 {url}"},
    "club.thread": {"en": "📚 Journal club: {presenter} presents **{title}** on {when} UTC. Questions and notes "
                          "here. {url}",
                    "zh-CN": "📚 读书会：{presenter} 将于 "
                             "{when}（协调世界时）讲解 **{title}**。问题和笔记请写在这里。{url}",
                    "zh-TW": "📚 讀書會：{presenter} 將於 "
                             "{when}（協調世界時）講解 **{title}**。問題和筆記請寫在這裡。{url}"},
    "club.scheduled": {"en": {"one": "📅 Scheduled **{title}** ({n} vote) for {when} UTC, presented by {presenter}: "
                                    "{thread} · {url}",
                             "other": "📅 Scheduled **{title}** ({n} votes) for {when} UTC, presented by "
                                      "{presenter}: {thread} · {url}"},
                       "zh-CN": "📅 已安排 **{title}**（{n} 票）于 "
                                "{when}（协调世界时），由 {presenter} 讲解：{thread} · {url}",
                       "zh-TW": "📅 已安排 **{title}**（{n} 票）於 "
                                "{when}（協調世界時），由 {presenter} 講解：{thread} · {url}"},
    "club.title": {"en": "📚 Journal club", "zh-CN": "📚 读书会", "zh-TW": "📚 讀書會"},
    "club.section.proposed": {"en": "Proposed (most votes first)", "zh-CN": "提议中（票数多的在前）",
                              "zh-TW": "提議中（票數多的在前）"},
    "club.section.scheduled": {"en": "Scheduled", "zh-CN": "已安排", "zh-TW": "已安排"},
    "club.section.past": {"en": "Past", "zh-CN": "已结束", "zh-TW": "已結束"},
    "club.reminder": {"en": "⏰ Tomorrow you present **{title}** at the journal club ({when} UTC).",
                      "zh-CN": "⏰ 明天你将在读书会上讲解 **{title}**（{when}，协调世界时）。",
                      "zh-TW": "⏰ 明天你將在讀書會上講解 **{title}**（{when}，協調世界時）。"},
    # regex filters and a feed's minimum score (/subscribe regex:, /feed add|edit regex: min_score:)
    "regex.empty": {"en": "The regex is empty; nothing changed.", "zh-CN": "正则表达式为空；没有变化。",
                    "zh-TW": "正規表示式為空；沒有變化。"},
    "regex.too_long": {"en": "A regex may have at most {max} characters; nothing changed.",
                       "zh-CN": "正则表达式最多 {max} 个字符；没有变化。",
                       "zh-TW": "正規表示式最多 {max} 個字元；沒有變化。"},
    "regex.too_costly": {
        "en": "That regex is too costly to run on every paper ({detail}): use fewer or smaller counted "
              "repetitions like `{{500}}`. Nothing changed.",
        "zh-CN": "这个正则表达式对每篇论文运行的代价太高（{detail}）："
                 "请减少或缩小 `{{500}}` 这样的计数重复。没有变化。",
        "zh-TW": "這個正規表示式對每篇論文執行的代價太高（{detail}）："
                 "請減少或縮小 `{{500}}` 這樣的計數重複。沒有變化。"},
    "regex.unsupported": {
        "en": "Paperboy's regex engine (RE2) runs in linear time, so it has no backreferences (`\\1`) and no "
              "look-ahead or look-behind (`(?=`, `(?!`, `(?<=`): {detail}. Nothing changed.",
        "zh-CN": "Paperboy 的正则引擎（RE2）按线性时间运行，因此不支持反向引用（`\\1`）"
                 "和前后断言（`(?=`、`(?!`、`(?<=`）：{detail}。没有变化。",
        "zh-TW": "Paperboy 的正規表示式引擎（RE2）以線性時間執行，因此不支援反向參照（`\\1`）"
                 "和前後斷言（`(?=`、`(?!`、`(?<=`）：{detail}。沒有變化。"},
    "regex.syntax": {"en": "That is not a valid regex: {detail}. Nothing changed.",
                     "zh-CN": "这不是有效的正则表达式：{detail}。没有变化。",
                     "zh-TW": "這不是有效的正規表示式：{detail}。沒有變化。"},
    "regex.everything": {
        "en": "That regex matches an empty text, so every paper would pass and it would filter nothing. "
              "Nothing changed.",
        "zh-CN": "这个正则表达式能匹配空文本，每篇论文都会通过，起不到筛选作用。没有变化。",
        "zh-TW": "這個正規表示式能比對空文字，每篇論文都會通過，起不到篩選作用。沒有變化。"},
    "regex.set": {"en": "Only papers the regex `{pattern}` finds (any case) are kept.",
                  "zh-CN": "只保留正则表达式 `{pattern}` 能找到的论文（不区分大小写）。",
                  "zh-TW": "只保留正規表示式 `{pattern}` 能找到的論文（不分大小寫）。"},
    "regex.cleared": {"en": "No regex any more.", "zh-CN": "已清除正则表达式。", "zh-TW": "已清除正規表示式。"},
    "regex.listed": {"en": "regex: `{pattern}`", "zh-CN": "正则：`{pattern}`", "zh-TW": "正規：`{pattern}`"},
    "score.set": {"en": "Only papers scoring at least {score} of {max} are posted (a keyword in the title 2, "
                        "elsewhere 1; code 1; a named venue 1).",
                  "zh-CN": "只推送得分至少 {score}（满分 {max}）的论文（关键词在标题中 2 分，在其他位置 1 分；"
                           "有代码 1 分；注明会议或期刊 1 分）。",
                  "zh-TW": "只推送得分至少 {score}（滿分 {max}）的論文（關鍵詞在標題中 2 分，在其他位置 1 分；"
                           "有程式碼 1 分；註明會議或期刊 1 分）。"},
    "score.cleared": {"en": "No minimum score any more.", "zh-CN": "已取消最低分。", "zh-TW": "已取消最低分。"},
    "score.listed": {"en": "score ≥ {score}", "zh-CN": "得分 ≥ {score}", "zh-TW": "得分 ≥ {score}"},
    "filter.kept": {"en": {"one": "Of the {n} paper it would have got in the last {days} days, {kept} passes.",
                           "other": "Of the {n} papers it would have got in the last {days} days, {kept} pass."},
                    "zh-CN": "最近 {days} 天本会收到的 {n} 篇论文中，有 {kept} 篇通过。",
                    "zh-TW": "最近 {days} 天本會收到的 {n} 篇論文中，有 {kept} 篇通過。"},
    "filter.none": {"en": {"one": "Note: this leaves out the {n} paper it would have got in the last {days} days.",
                           "other": "Note: this leaves out every one of the {n} papers it would have got in the "
                                    "last {days} days."},
                    "zh-CN": "注意：这会排除最近 {days} 天本会收到的全部 {n} 篇论文。",
                    "zh-TW": "注意：這會排除最近 {days} 天本會收到的全部 {n} 篇論文。"},
}


def lang_of(locale: str | None) -> Lang:
    """A Discord locale ("zh-CN", "zh-TW", "en-US", …) or a setting ("zh", "en") as a catalogue
    language; anything else reads English."""
    value = (locale or "").strip().replace("_", "-").casefold()
    if value in ("zh-tw", "zh-hk", "zh-hant", "zh-mo"):
        return "zh-TW"
    if value.startswith("zh"):
        return "zh-CN"
    return "en"


def text_lang(chosen: str | None, locale: str | None = None) -> Lang:
    """The language of Paperboy's own words (headers, buttons) where several people read them: a
    channel, following its server's reading language, or a DM, following its member's. `chosen` is
    that setting (zh, en, both; None when nobody chose): en reads English, zh and both Chinese
    (traditional when `locale`, the server's Discord locale, is zh-TW); unset follows `locale`."""
    if chosen == "en":
        return "en"
    lang = lang_of(locale)
    if chosen in ("zh", "both") and lang == "en":
        return "zh-CN"
    return lang


def t(key: str, lang: str | None, **kw: Any) -> str:
    """The catalogue entry `key` in `lang`, formatted with `kw` (`n` picks the English plural form).
    An unknown key is a programming error and raises KeyError."""
    forms = CATALOGUE[key][lang_of(lang)]
    if isinstance(forms, dict):
        n = kw.get("n", 0)
        forms = forms["one"] if n == 1 else forms["other"]
    return forms.format(**kw) if kw else forms
