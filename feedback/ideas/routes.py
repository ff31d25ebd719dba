"""The customers' idea board: browse, search, post, vote, follow, and the changelog.

Thin views: the rules (who may vote, what a title needs, how votes count over merges) live in
:mod:`.services` and :mod:`.queries`; the staff's triage pages are elsewhere.
"""

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..auth.access import customer_required
from ..core.pagination import paginate
from ..core.security import is_safe_redirect
from ..extensions import db, limiter
from ..surveys.labels import category_name
from ..surveys.services import active_categories, category_by_slug
from . import pace, queries, services
from .forms import ActionForm, IdeaForm
from .labels import author_label, status_labels
from .models import Idea, IdeaStatus, IdeaVote

bp = Blueprint("ideas", __name__, url_prefix="/ideas")

WRITE_LIMIT = "30/minute"  # a person clicks a few buttons a minute; a script clicks thousands
SIMILAR_LIMIT = "60/minute"  # one call per pause in typing (debounced in similar-ideas.js)
MAX_QUERY = 200


def _per_customer() -> str:
    """Rate-limit key: the signed-in customer (many share an office IP), else the address."""
    return pace.customer_key(current_user) if current_user.is_authenticated else get_remote_address()


def _write_limit(view):
    return limiter.limit(WRITE_LIMIT, key_func=_per_customer, methods=["POST"])(view)


def _post_limit(view):
    """New ideas per customer (``IDEA_POST_RATE_LIMIT``, shared with the API: see :mod:`.pace`).
    Only ideas posted (a redirect) count."""
    return limiter.shared_limit(
        pace.idea_post_limit,
        scope=pace.SCOPE,
        key_func=_per_customer,
        methods=["POST"],
        deduct_when=lambda response: response.status_code == 302,
        on_breach=_refuse_post,
    )(view)


def _refuse_post(limit: RequestLimit):
    """Over the budget: the form again with what they typed and why (429; nothing is stored)."""
    flash(pace.refusal_message(limit.reset_at), "warning")
    page = render_template("ideas/new.html", form=_new_form(), similar=[], voted=set(), action=ActionForm())
    return make_response(page, 429)


def _voted_ids(ideas: list[Idea]) -> set[int]:
    """Which of ``ideas`` (live ones, each its group's root) the reader voted for."""
    return queries.groups_with(IdeaVote, IdeaVote.customer_id, current_user.id, [idea.id for idea in ideas])


def _category_choices() -> list[tuple[str, str]]:
    return [(c.slug, category_name(c.name)) for c in active_categories()]


def _live_or_404(idea_id: int) -> Idea:
    idea = queries.idea_for(idea_id)
    if idea is None:
        abort(404)
    return idea


@bp.route("/")
@customer_required
def board():
    """The board: search, filter by area and status, sort, paginate."""
    args = request.args
    q = (args.get("q") or "").strip()[:MAX_QUERY]
    sort = args.get("sort") if args.get("sort") in queries.SORTS else "top"
    status = args.get("status") if args.get("status") in {s.value for s in IdeaStatus} else ""
    category = category_by_slug(args.get("category"))
    stmt = queries.board(
        q=q,
        category_id=category.id if category else None,
        status=IdeaStatus(status) if status else None,
        sort=sort,
    )
    page = paginate(stmt)
    return render_template(
        "ideas/board.html",
        page=page,
        voted=_voted_ids(page.items),
        q=q,
        sort=sort,
        status=status,
        category=category.slug if category else "",
        categories=_category_choices(),
        filtered=bool(q or status or category),
        form=ActionForm(),
        author_label=author_label,
    )


def _new_form() -> IdeaForm:
    form = IdeaForm()
    form.category.choices = [("", _("Not sure"))] + _category_choices()
    return form


@bp.route("/new", methods=["GET", "POST"])
@customer_required
@_write_limit
@_post_limit
def new():
    """Post an idea; similar ideas are offered while typing (similar-ideas.js)."""
    form = _new_form()
    if form.validate_on_submit():
        try:
            idea = services.post_idea(
                current_user,
                title=form.title.data,
                description=form.description.data,
                category=category_by_slug(form.category.data),
                anonymous=form.anonymous.data,
            )
        except services.IdeaError as exc:
            for name, message in exc.fields.items():
                getattr(form, name, form.title).errors.append(message)
        else:
            db.session.commit()
            flash(_("Thank you: your idea is on the board, with your vote."), "success")
            return redirect(url_for(".show", idea_id=idea.id))
    status = 400 if request.method == "POST" else 200
    typed = f"{form.title.data or ''} {form.description.data or ''}"
    similar = queries.similar(typed) if request.method == "POST" else []
    return (
        render_template(
            "ideas/new.html", form=form, similar=similar, voted=_voted_ids(similar), action=ActionForm()
        ),
        status,
    )


@bp.route("/similar")
@customer_required
@limiter.limit(SIMILAR_LIMIT, key_func=_per_customer)
def similar():
    """JSON for similar-ideas.js: ideas sharing words with ``?q=`` (folded, every language)."""
    q = (request.args.get("q") or "")[: MAX_QUERY * 5]
    ideas = queries.similar(q)
    voted, labels = _voted_ids(ideas), status_labels()
    return jsonify(
        [
            {
                "id": idea.id,
                "title": idea.title,
                "status": labels[idea.status.value],
                "votes": idea.vote_count,
                "votes_label": ngettext("%(num)d vote", "%(num)d votes", idea.vote_count),
                "url": url_for(".show", idea_id=idea.id),
                "vote_url": url_for(".vote", idea_id=idea.id),
                "voted": idea.id in voted,
                "locked": idea.locked,  # closed for voting: the script offers no vote button
            }
            for idea in ideas
        ]
    )


@bp.route("/<int:idea_id>")
@customer_required
def show(idea_id: int):
    """One idea with its public trail; a merged one sends the reader to the idea it joined."""
    idea = _live_or_404(idea_id)
    if idea.is_merged:
        kept = services.live(idea)
        flash(_("“%(title)s” was merged into this idea: its votes count here.", title=idea.title), "info")
        return redirect(url_for(".show", idea_id=kept.id))
    return render_template(
        "ideas/show.html",
        idea=idea,
        author=author_label(idea, current_user),
        voted=services.has_voted(idea, current_user.id),
        following=services.is_following(idea, current_user.id),
        events=[e for e in idea.events if e.is_public],
        labels=status_labels(),
        form=ActionForm(),
    )


def _act(idea_id: int, action, done: str):
    """Run one button's service, commit, say what happened, go back where the button was."""
    idea = _live_or_404(idea_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = action(idea, current_user)
    except services.IdeaError as exc:
        flash(next(iter(exc.fields.values())), "warning")
    else:
        db.session.commit()
        if changed:
            flash(done, "success")
    target = form.next.data
    if not is_safe_redirect(target):
        target = url_for(".show", idea_id=services.live(idea).id)
    return redirect(target)


@bp.route("/<int:idea_id>/vote", methods=["POST"])
@customer_required
@_write_limit
def vote(idea_id: int):
    """Vote for the idea (its kept idea if merged); voters follow it."""
    return _act(idea_id, services.vote, _("Your vote counts. You will hear when its status changes."))


@bp.route("/<int:idea_id>/unvote", methods=["POST"])
@customer_required
@_write_limit
def unvote(idea_id: int):
    """Take the vote back (following stays until stopped)."""
    return _act(idea_id, services.unvote, _("Your vote is taken back."))


@bp.route("/<int:idea_id>/follow", methods=["POST"])
@customer_required
@_write_limit
def follow(idea_id: int):
    """Follow the idea without voting: an e-mail on each status change."""
    return _act(idea_id, services.follow, _("You follow this idea: we e-mail you when its status changes."))


@bp.route("/<int:idea_id>/unfollow", methods=["POST"])
@customer_required
@_write_limit
def unfollow(idea_id: int):
    """Stop the e-mails about the idea (a vote stays)."""
    return _act(idea_id, services.unfollow, _("You no longer follow this idea."))


@bp.route("/changelog")
@customer_required
def changelog():
    """ "You asked, we did": done ideas, newest first."""
    return render_template("ideas/changelog.html", page=paginate(queries.changelog()))
