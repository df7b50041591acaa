"""`make bench`: Rapport measured against bare references in the same run."""
