"""The reports blueprint, and what its pages share: the answer to a range they cannot use."""

from flask import Blueprint, abort, make_response, render_template

bp = Blueprint("reports", __name__)


def validated(form, template: str):
    """``form`` if its range is valid; else stop the request with ``template`` showing the
    filter's errors and no figures (400): a bad range is explained, not a 500."""
    if not form.validate():
        abort(make_response(render_template(template, form=form, report=None, figures=None), 400))
    return form
