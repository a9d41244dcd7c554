# Stand-in for the UAI base image's WSGI entry point (httpserver.wsgi). The real one reads the config
# named by UAI_SERVICE_CONFIG, imports main_file, instantiates main_class and serves POST /service.
# In the stand-in image, /usr/lib/uai-standin/handler does the checking instead (there is no Python).
application = None
