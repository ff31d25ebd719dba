"""The customer dashboard: ratings, suggestions and the customer's own cases."""
