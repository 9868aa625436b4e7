"""What members see and click: the paper embed, its buttons, the result pages, text lines."""
