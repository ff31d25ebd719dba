"""Languages: the catalogues, the `flask translate` commands and the language switcher."""
