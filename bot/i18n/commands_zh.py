"""Every slash command, group and option in simplified (zh-CN) and traditional (zh-TW) Chinese.

Keys are the English qualified names ("feed add"); options by their English names. Names follow
Discord's rules (lowercase, no spaces, 1-32 characters; Chinese characters count as letters) and
are unique among their siblings; descriptions are at most 100 characters. tests/test_i18n_commands.py
checks all of this and that every command in bot/cogs has its entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Text = tuple[str, str]  # (zh-CN, zh-TW)
LOCALES = ("zh-CN", "zh-TW")


@dataclass(frozen=True)
class Option:
    name: Text
    description: Text


@dataclass(frozen=True)
class Command:
    """A command or a group."""

    name: Text
    description: Text
    options: dict[str, Option] = field(default_factory=dict)


_CHANNEL_FEED = Option(("频道", "頻道"), ("推送所在的频道", "推送所在的頻道"))
_TOPIC_FEED = Option(("主题", "主題"), ("推送的主题", "推送的主題"))
_EXCLUDE = Option(("排除", "排除"), ("排除提到其中任一的论文（逗号分隔，不区分大小写）；- 表示不排除",
                                  "排除提到其中任一的論文（逗號分隔，不分大小寫）；- 表示不排除"))
_REGEX = Option(("正则", "正規"), ("只保留这个正则表达式能找到的论文（RE2 语法，不区分大小写）；- 表示不筛选",
                                "只保留這個正規表示式能找到的論文（RE2 語法，不分大小寫）；- 表示不篩選"))
_SCORE = Option(("最低分", "最低分"), ("只推送得分不低于此的论文：关键词在标题 2 分、在别处 1 分；"
                                  "有代码 1 分；注明会议 1 分",
                                  "只推送得分不低於此的論文：關鍵詞在標題 2 分、在別處 1 分；"
                                  "有程式碼 1 分；註明會議 1 分"))
_STYLE = Option(("样式", "樣式"), ("digest：每天一条汇总消息；cards：每篇论文一张卡片",
                                  "digest：每天一則彙整訊息；cards：每篇論文一張卡片"))

COMMANDS: dict[str, Command] = {
    # /feed …, /digest run (bot/cogs/feeds.py)
    "feed": Command(
        ("推送", "推送"),
        ("选择哪些频道接收新论文",
         "選擇哪些頻道接收新論文"),
    ),
    "feed add": Command(
        ("添加", "新增"),
        ("在频道中推送某个主题的新论文",
         "在頻道中推送某個主題的新論文"),
        {
            "channel": Option(("频道", "頻道"),
                            ("发布到哪里",
                             "發佈到哪裡")),
            "topic": Option(("主题", "主題"),
                            ("一个主题，或 all 表示全部",
                             "一個主題，或 all 表示全部")),
            "keywords": Option(("关键词", "關鍵字"),
                            ("只推送提到其中之一的论文（逗号分隔，不区分大小写）",
                             "只推送提到其中之一的論文（逗號分隔，不分大小寫）")),
            "style": _STYLE,
            "exclude": _EXCLUDE,
            "regex": _REGEX,
            "min_score": _SCORE,
        },
    ),
    "feed edit": Command(
        ("编辑", "編輯"),
        ("修改一个推送的样式和排除词",
         "修改一個推送的樣式和排除詞"),
        {
            "channel": _CHANNEL_FEED,
            "topic": _TOPIC_FEED,
            "style": _STYLE,
            "exclude": _EXCLUDE,
            "regex": _REGEX,
            "min_score": _SCORE,
        },
    ),
    "feed remove": Command(
        ("移除", "移除"),
        ("停止在频道中推送某个主题",
         "停止在頻道中推送某個主題"),
        {
            "channel": _CHANNEL_FEED,
            "topic": _TOPIC_FEED,
        },
    ),
    "feed resume": Command(
        ("恢复", "恢復"),
        ("修好频道后恢复已暂停的推送",
         "修好頻道後恢復已暫停的推送"),
        {
            "channel": _CHANNEL_FEED,
            "topic": _TOPIC_FEED,
        },
    ),
    "feed list": Command(
        ("列表", "列表"),
        ("本服务器的推送及其状态",
         "本伺服器的推送及其狀態"),
    ),
    "digest": Command(
        ("日报", "日報"),
        ("运行论文日报",
         "執行論文日報"),
    ),
    "digest run": Command(
        ("运行", "執行"),
        ("立即抓取日报并发布本服务器的新论文",
         "立即抓取日報並發佈本伺服器的新論文"),
    ),
    # /search, /paper, /latest, /topics (bot/cogs/search.py)
    "search": Command(
        ("搜索", "搜尋"),
        ("搜索 Paperboy 见过的所有论文（英文或中文）",
         "搜尋 Paperboy 看過的所有論文（英文或中文）"),
        {
            "query": Option(("查询", "查詢"),
                            ("词语、\"短语\"、中文词（至少两个字）、作者或 arXiv 编号",
                             "詞語、\"片語\"、中文詞（至少兩個字）、作者或 arXiv 編號")),
            "topic": Option(("主题", "主題"),
                            ("只搜索这个主题",
                             "只搜尋這個主題")),
            "after": Option(("起始日期", "起始日期"),
                            ("从这一天起（YYYY-MM-DD）",
                             "從這一天起（YYYY-MM-DD）")),
            "before": Option(("截止日期", "截止日期"),
                            ("到这一天为止（YYYY-MM-DD）",
                             "到這一天為止（YYYY-MM-DD）")),
        },
    ),
    "paper": Command(
        ("论文", "論文"),
        ("按 arXiv 编号或 arxiv.org 链接查看一篇论文",
         "依 arXiv 編號或 arxiv.org 連結查看一篇論文"),
        {
            "id": Option(("编号", "編號"),
                            ("例如 2410.18355、2410.18355v2、arXiv:2410.18355 或 arxiv.org 的摘要/PDF 链接",
                             "例如 2410.18355、2410.18355v2、arXiv:2410.18355 或 arxiv.org 的摘要/PDF 連結")),
        },
    ),
    "latest": Command(
        ("最新", "最新"),
        ("最新一期日报的论文",
         "最新一期日報的論文"),
        {
            "topic": Option(("主题", "主題"),
                            ("一个主题（默认：你关注的每个主题的最新一天）",
                             "一個主題（預設：你關注的每個主題的最新一天）")),
        },
    ),
    "topics": Command(
        ("主题", "主題"),
        ("所有主题及其论文数和最新一期",
         "所有主題及其論文數和最新一期"),
    ),
    # /subscribe, /unsubscribe, /subscriptions (bot/cogs/subscriptions.py)
    "subscribe": Command(
        ("订阅", "訂閱"),
        ("通过私信接收某个主题、关键词或作者的新论文",
         "透過私訊接收某個主題、關鍵字或作者的新論文"),
        {
            "topic": Option(("主题", "主題"),
                            ("一个日报主题",
                             "一個日報主題")),
            "keyword": Option(("关键词", "關鍵字"),
                            ("标题、摘要或总结中的词语（不区分大小写）",
                             "標題、摘要或總結中的詞語（不分大小寫）")),
            "author": Option(("作者", "作者"),
                            ("作者姓名（不区分大小写，重音符号可省略）",
                             "作者姓名（不分大小寫，重音符號可省略）")),
            "exclude": _EXCLUDE,
            "regex": _REGEX,
        },
    ),
    "unsubscribe": Command(
        ("退订", "取消訂閱"),
        ("取消一个订阅，或全部取消",
         "取消一個訂閱，或全部取消"),
        {
            "subscription": Option(("订阅", "訂閱"),
                            ("你的某个订阅，或 all 表示全部",
                             "你的某個訂閱，或 all 表示全部")),
        },
    ),
    "subscriptions": Command(
        ("我的订阅", "我的訂閱"),
        ("你关注的内容（只有你能看到）",
         "你追蹤的內容（只有你看得到）"),
        {
            "language": Option(("语言", "語言"),
                            ("私信中论文的语言：zh 中文、en 英文、both 双语",
                             "私訊中論文的語言：zh 中文、en 英文、both 雙語")),
            "dms": Option(("私信", "私訊"), ("暂停私信（期间不保留论文）或恢复", "暫停私訊（期間不保留論文）或恢復")),
            "time": Option(("时间", "時間"), ("每天私信的整点时间，如 08:00；- 表示论文到达时",
                                          "每天私訊的整點時間，如 08:00；- 表示論文到達時")),
            "timezone": Option(("时区", "時區"), ("时间所用的时区，如 Asia/Shanghai（默认 UTC）",
                                              "時間所用的時區，如 Asia/Taipei（預設 UTC）")),
            "frequency": Option(("频率", "頻率"), ("每天一条私信，或每周一条", "每天一則私訊，或每週一則")),
            "weekday": Option(("星期", "星期"), ("每周私信在哪一天发送", "每週私訊在哪一天發送")),
        },
    ),
    "away": Command(
        ("离开", "離開"),
        ("暂停私信到某一天；回来时用一条私信送上你错过的最佳论文",
         "暫停私訊到某一天；回來時用一則私訊送上你錯過的最佳論文"),
        {
            "until": Option(("直到", "直到"), ("你回来的日期，如 2026-01-05（你的时区）；- 表示已回来",
                                            "你回來的日期，如 2026-01-05（你的時區）；- 表示已回來")),
            "catchup": Option(("篇数", "篇數"), ("回来时那条私信显示多少篇论文（默认 10，最多 50）",
                                             "回來時那則私訊顯示多少篇論文（預設 10，最多 50）")),
        },
    ),
    # /saved, /forget-me (bot/cogs/signal.py)
    "saved": Command(
        ("收藏", "收藏"),
        ("你用 🔖 收藏的论文（只有你能看到）",
         "你用 🔖 收藏的論文（只有你看得到）"),
        {
            "export": Option(("导出", "匯出"),
                            ("同时附上文件：BibTeX（LaTeX）或 RIS（Zotero、EndNote）",
                             "同時附上檔案：BibTeX（LaTeX）或 RIS（Zotero、EndNote）")),
        },
    ),
    "foryou": Command(
        ("为你推荐", "為你推薦"),
        ("近 7 天按你的喜好排序的论文（只有你能看到）",
         "近 7 天依你的喜好排序的論文（只有你看得到）"),
    ),
    "forget-me": Command(
        ("忘记我", "忘記我"),
        ("删除 Paperboy 保存的你的全部数据",
         "刪除 Paperboy 保存的你的全部資料"),
    ),
    # Added by issues 10 and 11, not in bot/cogs yet: /settings language|alerts, /status
    "settings": Command(
        ("设置", "設定"),
        ("本服务器的 Paperboy 设置",
         "本伺服器的 Paperboy 設定"),
    ),
    "settings language": Command(
        ("语言", "語言"),
        ("论文卡片和摘要使用的语言",
         "論文卡片和摘要使用的語言"),
        {
            "language": Option(("语言", "語言"),
                            ("zh：中文；en：英文；both：中英双语",
                             "zh：中文；en：英文；both：中英雙語")),
        },
    ),
    "settings alerts": Command(
        ("通知", "通知"),
        ("Paperboy 在哪个频道报告问题",
         "Paperboy 在哪個頻道回報問題"),
        {
            "channel": Option(("频道", "頻道"),
                            ("接收问题报告的频道",
                             "接收問題回報的頻道")),
        },
    ),
    "settings week": Command(
        ("每周", "每週"),
        ("每周发布本服务器反应最多的论文", "每週發佈本伺服器反應最多的論文"),
        {
            "channel": Option(("频道", "頻道"), ("发布到哪个频道；不填则停止每周汇总",
                                              "發佈到哪個頻道；不填則停止每週彙整")),
            "weekday": Option(("星期", "星期"), ("在哪一天发布（默认周一）", "在哪一天發佈（預設週一）")),
            "hour": Option(("小时", "小時"), ("在几点发布，UTC（默认 9）", "在幾點發佈，UTC（預設 9）")),
        },
    ),
    "top": Command(
        ("热门", "熱門"),
        ("本服务器反应最多的论文（👍 / 👎）", "本伺服器反應最多的論文（👍 / 👎）"),
        {
            "period": Option(("时段", "時段"), ("最近 7 天（一周）或 30 天（一个月）",
                                             "最近 7 天（一週）或 30 天（一個月）")),
        },
    ),
    "club": Command(("读书会", "讀書會"), ("本服务器的读书会", "本伺服器的讀書會")),
    "club propose": Command(
        ("提议", "提議"), ("把一篇论文加入本服务器的读书会列表", "把一篇論文加入本伺服器的讀書會列表"),
        {"paper": Option(("论文", "論文"), ("它的 arXiv 编号，如 2410.18355", "它的 arXiv 編號，如 2410.18355"))},
    ),
    "club schedule": Command(
        ("安排", "安排"), ("安排票数最多的论文：活动、子区和提醒", "安排票數最多的論文：活動、討論串和提醒"),
        {
            "when": Option(("时间", "時間"), ("日期和时间（协调世界时），如 2026-01-09 16:00",
                                          "日期和時間（協調世界時），如 2026-01-09 16:00")),
            "presenter": Option(("讲者", "講者"), ("由谁讲解", "由誰講解")),
        },
    ),
    "club list": Command(("列表", "列表"), ("读书会：提议中、"
                                            "已安排和已结束的论文", "讀書會：提議中、已安排和已結束的論文")),
    "status": Command(
        ("状态", "狀態"),
        ("Paperboy 的运行状态：来源、上次抓取和推送",
         "Paperboy 的運作狀態：來源、上次抓取和推送"),
    ),
}

# Choice names by choice value, for every command that offers them.
CHOICES: dict[str, Text] = {
    "zh": ("中文", "中文"),
    "en": ("英文", "英文"),
    "both": ("中英双语", "中英雙語"),
    "digest": ("每日汇总", "每日彙整"),
    "cards": ("论文卡片", "論文卡片"),
    "pause": ("暂停", "暫停"),
    "resume": ("恢复", "恢復"),
    "daily": ("每天", "每天"),
    "weekly": ("每周", "每週"),
    "week": ("一周", "一週"),
    "month": ("一个月", "一個月"),
}
