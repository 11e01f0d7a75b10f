"""Every read helper, each starting from forum/visibility.py's clauses and taking the viewer:
listings, threads, groups, inbox, trust, audit, moderation log, versions, unread marks and feeds."""
