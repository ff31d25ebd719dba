"""A person's own account: profile (name, language, time zone, a customer's services) and password."""
