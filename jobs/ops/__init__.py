"""Running it: the watchdog, source watch, status, health, the cycle summary, the instance lock, logging."""
