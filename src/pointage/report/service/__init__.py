"""Report services: per-shop settings, generation of a journal into a file, the periods due
and the scheduled run, the history of generated reports and their deliveries."""
