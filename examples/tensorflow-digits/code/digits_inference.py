# -*- coding: utf-8 -*-
"""Digit recognition from a TensorFlow 1.x SavedModel, served by the UAI Inference platform's server.

The platform's server (in the base image) reads ufile.json, imports this module (main_file) and
instantiates DigitsModel (main_class) with the config; it then calls execute() for every POST /service.

export/ is the SavedModel: saved_model.pb (the graph), variables/variables.index and
variables/variables.data-00000-of-00001 (the weights). In this repository the first two are small
placeholders and the weights file is written by `npm run demo` (about 200 MB of random bytes, so the
upload shows its progress); it is not in git.
"""
import json


class DigitsModel(object):
    def __init__(self, conf):
        tf_conf = conf["http_server"]["tensorflow"]
        self.model_dir = tf_conf["model_dir"]
        self.tags = tf_conf.get("tag", ["serve"])
        self.signature_name = tf_conf.get("signature", "serving_default")
        self.session = None
        self.signature = None
        self.load_model()

    def load_model(self):
        import tensorflow as tf  # provided by the base image

        self.session = tf.Session(graph=tf.Graph())
        meta_graph = tf.saved_model.loader.load(self.session, self.tags, self.model_dir)
        self.signature = meta_graph.signature_def[self.signature_name]

    def execute(self, data, batch_size):
        """data: a list of request bodies (28x28 grayscale images); returns one JSON string each."""
        import numpy as np
        from PIL import Image
        from io import BytesIO

        images = [np.asarray(Image.open(BytesIO(body)).convert("L").resize((28, 28)), dtype=np.float32) / 255.0 for body in data]
        inputs = self.signature.inputs["images"].name
        outputs = self.signature.outputs["scores"].name
        scores = self.session.run(outputs, feed_dict={inputs: np.stack(images).reshape(-1, 784)})
        return [json.dumps({"digit": int(row.argmax())}) for row in scores]
