"""Both languages: the zh-CN / zh-TW catalogue of command names, descriptions and options, the discord.py
Translator that serves it, and replies in the member's client language (replies.py)."""
