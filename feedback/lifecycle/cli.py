"""CLI: ``import subscriptions FILE.csv``."""

from flask.cli import AppGroup

import_cli = AppGroup("import", help="Import data from other systems.")
