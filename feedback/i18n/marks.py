"""Marking a message for the catalogue where it cannot be translated yet."""


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it: it is stored or kept in English and
    translated where it is shown (Babel's extraction knows ``N_``)."""
    return text
