"""White-label: the host's name, logo, colour, support address and footer links, shown to
customers on every page and in every e-mail instead of "Kontento"."""
