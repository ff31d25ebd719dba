"""The ideas report and the managers' weighted ranking of ideas, on the reports blueprint."""
