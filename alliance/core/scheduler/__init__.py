"""The scheduler: APScheduler 3 with a persistent job store in the app's database, one run per fire.

`wsgi.JOBS` declares what runs when; `runner.run_job(job_id)` is the only callable the job store
holds (by name), and it wraps every run: an app context, a database lock so a second scheduler
never double-fires, and a run record for the health page.
"""
