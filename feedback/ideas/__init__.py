"""The idea board: customers' suggestions with votes, followers, statuses, official answers,
merges and a changelog ("you asked, we did").

Above surveys, followups and notices (an idea links to cases and notices) and below reports and
the API, which read and write ideas through :mod:`.queries` and :mod:`.services`.
"""
