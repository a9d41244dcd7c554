/**
 * What UCloud's UAI Inference platform expects of an image (docs: uai-platform.md): the code and the
 * service config under one folder, the server started there by gunicorn, listening on 8080.
 */

/** Where the platform's server looks for the code, and where the service config goes. */
export const appDir = '/ai-ucloud-client-django';
/** The service config's name when uai generates it (a self-defined model keeps its own file's name). */
export const generatedConfigName = 'ufile.json';
/** The port the service listens on. */
export const servicePort = '8080';
/** The start command, as the Dockerfile's shell-form CMD line writes it. */
export const serviceShellCmd = `cd ${appDir} && gunicorn -c gunicorn.conf.py httpserver.wsgi`;
/** The start command as Docker stores a shell-form CMD in an image config. */
export const serviceCmd = ['/bin/sh', '-c', serviceShellCmd];
