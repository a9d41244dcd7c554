# -*- coding: utf-8 -*-
"""Digit recognition with Keras 1.2, served by the UAI Inference platform's Keras server.

The platform's server (in the base image) reads ufile.json, imports this module (main_file) and
instantiates DigitsModel (main_class) with the config; it then calls execute() for every POST /service.
checkpoint_dir/digits.json is the architecture and checkpoint_dir/digits.h5 the weights (allOneFile false).
"""
import json


class DigitsModel(object):
    def __init__(self, conf):
        keras_conf = conf["http_server"]["keras"]
        self.model_dir = keras_conf["model_dir"]
        self.model_name = keras_conf["model_name"]
        self.all_one_file = keras_conf["all_one_file"]
        self.model_arch_type = keras_conf["model_arch_type"]
        self.model = None
        self.load_model()

    def load_model(self):
        from keras.models import load_model, model_from_json, model_from_yaml  # provided by the base image

        prefix = "%s/%s" % (self.model_dir, self.model_name)
        if self.all_one_file:
            self.model = load_model(prefix + ".h5")
            return
        with open("%s.%s" % (prefix, self.model_arch_type)) as arch:
            read = model_from_json if self.model_arch_type == "json" else model_from_yaml
            self.model = read(arch.read())
        self.model.load_weights(prefix + ".h5")

    def execute(self, data, batch_size):
        """data: a list of request bodies (28x28 grayscale images); returns one JSON string each."""
        import numpy as np
        from PIL import Image
        from io import BytesIO

        images = [np.asarray(Image.open(BytesIO(body)).convert("L").resize((28, 28)), dtype=np.float32) / 255.0 for body in data]
        scores = self.model.predict(np.stack(images).reshape(-1, 28, 28, 1), batch_size=batch_size)
        return [json.dumps({"digit": int(row.argmax())}) for row in scores]
