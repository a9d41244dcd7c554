# Stand-in for the UAI base image's gunicorn config. The stand-in gunicorn only checks that it exists.
bind = "0.0.0.0:8080"
workers = 1
