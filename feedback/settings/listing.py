"""The searchable lists of Settings (customers, API tokens): the search box and, after a button
on a row, the way back to the same search and page."""

from flask import redirect, request, url_for

from .queries import MAX_SEARCH


def search_term(name: str) -> str:
    """What the list's search box ``name`` holds (query string or posted form), trimmed and bounded."""
    return request.values.get(name, "").strip()[:MAX_SEARCH]


def back_to_list(endpoint: str, name: str):
    """Redirect to the list a row's button was posted from, with its search ``name`` and page."""
    page = request.form.get("page", type=int)
    return redirect(
        url_for(endpoint, **{name: search_term(name) or None}, page=page if page and page > 1 else None)
    )
