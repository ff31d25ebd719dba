"""The baseline for submissions per second: a bare Flask endpoint that does one INSERT.

    gunicorn -w 2 -b 127.0.0.1:PORT --chdir bench bare_app:app

No authentication, validation, routing, rollups or e-mail: the floor any feedback endpoint
pays (HTTP, JSON, one database round trip and commit). Reads DATABASE_URL and
BARE_CUSTOMER_ID (the customer every row is filed under) from the environment.
"""

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
CUSTOMER_ID = int(os.environ["BARE_CUSTOMER_ID"])
# Marked acknowledged: the benchmark times the receipts job on the full app's submissions only.
INSERT = text(
    "INSERT INTO feedback (customer_id, kind, channel, csat, nps, urgent, comment, created_at, "
    "acknowledged_at) "
    "VALUES (:customer_id, 'rating', 'api', :csat, :nps, false, :comment, now(), now()) RETURNING id"
)


@app.post("/feedback")
def feedback():
    """Store the posted rating as is and answer its id."""
    body = request.get_json()
    with engine.begin() as conn:
        new_id = conn.execute(
            INSERT,
            {
                "customer_id": CUSTOMER_ID,
                "csat": body["csat"],
                "nps": body.get("nps"),
                "comment": body.get("comment", ""),
            },
        ).scalar_one()
    return jsonify(id=new_id), 201


@app.get("/healthz")
def healthz():
    """Ready check for the benchmark."""
    return "ok"
