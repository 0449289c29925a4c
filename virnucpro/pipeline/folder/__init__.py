"""The output folder: refuse, resume or start over (``run_folder``) and one run at a time
(``run_lock``, with its heartbeat and stale takeover)."""
