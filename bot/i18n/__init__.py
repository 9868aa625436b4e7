"""Slash commands in Chinese: the zh-CN / zh-TW catalogue of command names, descriptions and options,
and the discord.py Translator that serves it."""
