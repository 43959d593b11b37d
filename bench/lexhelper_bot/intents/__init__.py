"""One module per intent, named as lex-helper's dispatcher expects (`CollectCard` -> collect_card)."""
