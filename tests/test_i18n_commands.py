"""The zh-CN / zh-TW slash-command catalogue and the Translator that serves it to discord.py."""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections import Counter
from collections.abc import Iterator

import discord
import pytest
from discord import Locale, app_commands
from discord.ext import commands

import bot.cogs
from bot.i18n.commands_zh import CHOICES, COMMANDS, LOCALES
from bot.i18n.translator import PaperboyTranslator

AppCommand = app_commands.Command | app_commands.Group


def valid_name(name: str) -> bool:
    """Discord's rule for command and option names: ^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$,
    lowercase where the script has case."""
    def allowed(c: str) -> bool:
        return (c in "-_" or unicodedata.category(c)[0] in "LN"
                or "\u0900" <= c <= "\u097f" or "\u0e00" <= c <= "\u0e7f")
    return 1 <= len(name) <= 32 and name == name.lower() and all(allowed(c) for c in name)


def cog_commands() -> Iterator[AppCommand]:
    """Every slash command and group the cogs in bot/cogs declare, subcommands included."""
    for info in pkgutil.iter_modules(bot.cogs.__path__):
        module = importlib.import_module(f"bot.cogs.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, commands.Cog) and value.__module__ == module.__name__:
                stack = list(value.__cog_app_commands__)
                while stack:
                    command = stack.pop()
                    yield command
                    if isinstance(command, app_commands.Group):
                        stack.extend(command.commands)


def test_name_rule_rejects_what_discord_rejects() -> None:
    assert valid_name("订阅") and valid_name("取消訂閱") and valid_name("feed-add")
    assert not valid_name("Feed") and not valid_name("我的 订阅") and not valid_name("") and not valid_name("a" * 33)
    assert not valid_name("订阅！")


def test_every_text_is_in_both_locales() -> None:
    assert LOCALES == ("zh-CN", "zh-TW")
    texts = [t for c in COMMANDS.values() for t in (c.name, c.description)]
    texts += [t for c in COMMANDS.values() for o in c.options.values() for t in (o.name, o.description)]
    texts += list(CHOICES.values())
    for text in texts:
        assert len(text) == 2 and all(isinstance(s, str) and s.strip() for s in text), text


def test_names_are_valid_and_descriptions_fit() -> None:
    for key, command in COMMANDS.items():
        for i in range(2):
            assert valid_name(command.name[i]), (key, command.name[i])
            assert len(command.description[i]) <= 100, (key, command.description[i])
            for option_key, option in command.options.items():
                assert valid_name(option.name[i]), (key, option_key, option.name[i])
                assert len(option.description[i]) <= 100, (key, option_key, option.description[i])
    for choice in CHOICES.values():
        assert all(1 <= len(s) <= 100 for s in choice)


def test_names_are_unique_among_siblings() -> None:
    for i, locale in enumerate(LOCALES):
        siblings: dict[str, list[str]] = {}
        for key, command in COMMANDS.items():
            parent = key.rpartition(" ")[0]
            siblings.setdefault(parent, []).append(command.name[i])
            option_names = [o.name[i] for o in command.options.values()]
            assert len(set(option_names)) == len(option_names), (locale, key, option_names)
        for parent, names in siblings.items():
            repeated = [n for n, k in Counter(names).items() if k > 1]
            assert not repeated, (locale, parent or "top level", repeated)


def test_every_cog_command_and_option_has_an_entry() -> None:
    seen = 0
    for command in cog_commands():
        seen += 1
        entry = COMMANDS.get(command.qualified_name)
        assert entry is not None, f"/{command.qualified_name} has no zh entry in bot/i18n/commands_zh.py"
        if isinstance(command, app_commands.Command):
            missing = {p.name for p in command.parameters} - set(entry.options)
            assert not missing, (command.qualified_name, missing)
    assert seen >= 14  # feed (5), digest (2), search, paper, latest, topics, subscribe, unsubscribe, subscriptions


def test_issue_commands_are_catalogued() -> None:
    assert {"settings", "settings language", "settings alerts", "feed edit", "status"} <= set(COMMANDS)
    assert {"channel", "topic", "keywords", "style"} <= set(COMMANDS["feed add"].options)
    assert set(COMMANDS["feed edit"].options) >= {"style"}
    assert set(COMMANDS["settings language"].options) == {"language"}
    assert set(COMMANDS["settings alerts"].options) == {"channel"}
    assert {"zh", "en", "both", "digest", "cards"} <= set(CHOICES)


async def test_translator_localises_the_real_commands_payload() -> None:
    """What discord.py sends Discord when the tree syncs: every cog command, group and option has
    zh-CN and zh-TW names and descriptions, and no other locale is touched."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    translator = PaperboyTranslator()
    top = [c for c in cog_commands() if c.parent is None]
    assert top
    for command in top:
        payload = await command.get_translated_payload(tree, translator)
        stack = [payload]
        while stack:
            item = stack.pop()
            assert set(item["name_localizations"]) == {"zh-CN", "zh-TW"}, item["name"]
            assert set(item["description_localizations"]) == {"zh-CN", "zh-TW"}, item["name"]
            stack.extend(item.get("options", []))
    search = await next(c for c in top if c.name == "search").get_translated_payload(tree, translator)
    assert search["name_localizations"] == {"zh-CN": "搜索", "zh-TW": "搜尋"}
    query = next(o for o in search["options"] if o["name"] == "query")
    assert query["name_localizations"] == {"zh-CN": "查询", "zh-TW": "查詢"}
    await client.close()


async def test_choices_and_unknown_strings() -> None:
    translator = PaperboyTranslator()
    # As @app_commands.choices declares them (a plain-str Choice is never sent for translation).
    choice = app_commands.Choice(name=app_commands.locale_str("both"), value="both")
    payload = await choice.get_translated_payload(translator)
    assert payload["name_localizations"] == {"zh-CN": "中英双语", "zh-TW": "中英雙語"}
    unknown = app_commands.Choice(name=app_commands.locale_str("other"), value="other")
    assert not (await unknown.get_translated_payload(translator)).get("name_localizations")


@pytest.mark.parametrize("locale", [Locale.american_english, Locale.japanese, Locale.korean])
async def test_other_locales_keep_english(locale: Locale) -> None:
    translator = PaperboyTranslator()
    ctx = app_commands.TranslationContext(location=app_commands.TranslationContextLocation.choice_name,
                                          data=app_commands.Choice(name="both", value="both"))
    assert await translator.translate(app_commands.locale_str("both"), locale, ctx) is None


def test_replies_in_chinese_name_commands_as_a_chinese_client_shows_them() -> None:
    """A zh reply that says "run `/订阅 关键词:`" names the command and options as that member's client
    lists them (this catalogue), not the English names; `all` and other values are typed as they are."""
    import re

    from jobs.present.i18n import CATALOGUE

    for column, lang in enumerate(LOCALES):
        top = {c.name[column]: key for key, c in COMMANDS.items() if " " not in key}
        for key, entry in CATALOGUE.items():
            for span in re.findall(r"`(/[^`{]+)`", str(entry[lang])):
                words = span[1:].split()
                command = top.get(words[0])
                assert command is not None, (key, lang, span)
                value = False  # the word after "option:" is what the member types
                for word in words[1:]:
                    subs = {c.name[column]: k for k, c in COMMANDS.items() if k.startswith(command + " ")}
                    if value and not word.endswith(":"):
                        value = False
                    elif word in subs:
                        command = subs[word]
                    else:
                        options = {o.name[column] for o in COMMANDS[command].options.values()}
                        assert word.endswith(":") and word[:-1] in options, (key, lang, span, word)
                        value = True
