"""The reports blueprint, and what its pages share: the answer to a range they cannot use."""

from flask import Blueprint, render_template

bp = Blueprint("reports", __name__)


def invalid_range(template: str, form):
    """The page again with the filter's errors and no figures (400): a bad range is explained, not a 500."""
    return render_template(template, form=form, report=None, figures=None), 400
