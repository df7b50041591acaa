"""The index call statistics need on the calls table (`calls/models.py` owns the table itself).

Statistics select the calls that started in a range; without an index on `started_at` that is a
scan of every call ever made. Declared here, on the table's column, so that the models and
migration 0005 agree.
"""

from sqlalchemy import Index
from sqlmodel import col

from crm_routing.calls.models import Call

calls_started_at = Index("ix_calls_started_at", col(Call.started_at))
