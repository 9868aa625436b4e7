"""The slash commands, one cog per module; bot.app loads each by name (EXTENSIONS)."""
