"""English that says what the paper does, through SimCord: in a server that reads English, a card feed's
card opens with the abstract's contribution sentence (not its background opener) and lists the abstract's
method and result sentences as numbered takeaways; in `both` the Chinese takeaways stay."""

from __future__ import annotations

from pathlib import Path

from tests.postgen import Entry, write_kedreamix
from tests.test_digest_language import lab

OPENER = ("Recent advancements in audio-driven talking head generation have enabled lifelike avatars for film, "
          "games and telepresence.")
CONTRIBUTION = ("We propose SyncTalker, a diffusion model that aligns each lip shape to the phonemes being spoken, "
                "even at the speed of rap.")
METHOD = "Specifically, we use a phoneme encoder whose features condition every generated frame."
RESULT = "Experiments show that SyncTalker outperforms prior work by 12% in lip-sync error."
ABSTRACT = (f"{OPENER} However, existing methods struggle with lip sync under fast speech, e.g. in rap. "
            f"{CONTRIBUTION} {METHOD} The avatars are also pleasant to look at. {RESULT} "
            "Code is available at https://github.com/example/synctalker.")
PAPER = Entry("2405.70001", "SyncTalker: Lips in Sync", abstract=ABSTRACT,
              summary="本文提出SyncTalker，使唇形与音素对齐。", takeaways=["音素编码器。", "唇同步误差降低12%。"])


async def test_an_english_card_says_what_the_paper_does_and_lists_english_takeaways(
        simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "Talking Head Generation", "2024-05-06", [PAPER])
    papers, admin, _ = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="en")
    await admin.slash(papers, "feed add", channel=papers, topic="Talking Head Generation", style="cards")
    await env.bot.run_digest()

    [card] = [m for m in papers.history() if m.embeds and m.embeds[0].title == PAPER.title]
    assert card.embeds[0].description == f"{CONTRIBUTION}\n\n1. {METHOD}\n2. {RESULT}"
    assert "Recent advancements" not in card.embeds[0].description and "本文" not in card.embeds[0].description


async def test_a_card_in_both_keeps_the_chinese_takeaways_and_adds_the_contribution_line(
        simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "Talking Head Generation", "2024-05-06", [PAPER])
    papers, admin, _ = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="both")
    await admin.slash(papers, "feed add", channel=papers, topic="Talking Head Generation", style="cards")
    await env.bot.run_digest()

    [card] = [m for m in papers.history() if m.embeds and m.embeds[0].title == PAPER.title]
    assert card.embeds[0].description == (
        f"{PAPER.summary}\n\n🇬🇧 {CONTRIBUTION}\n\n1. 音素编码器。\n2. 唇同步误差降低12%。")
