"""Discord's limits, in one place: every text Paperboy sends is cut to these (bot/ui/embeds.py `trim`), every
control built within them. From Discord's API documentation (embed limits, message and component limits)."""

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000  # all the embeds of one message together
EMBEDS_PER_MESSAGE = 10
URL = 2048
LINK_BUTTON_URL = 512
CONTENT = 2000  # a message's own text
SELECT_OPTIONS = 25
OPTION_TEXT = 100  # a select option's label and description
CUSTOM_ID = 100
THREAD_NAME = 100
AUTOCOMPLETE_CHOICES = 25
