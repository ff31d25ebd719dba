"""Entry point for Celery: ``celery -A make_celery worker -B --loglevel INFO``."""

from feedback import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
