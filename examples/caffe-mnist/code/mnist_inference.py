# -*- coding: utf-8 -*-
"""MNIST digit recognition served by the UAI Inference platform's Caffe server.

The platform's server (in the base image) reads ufile.json, imports this module (main_file) and
instantiates MnistModel (main_class) with the config; it then calls execute() for every POST /service.
"""
import json


class MnistModel(object):
    def __init__(self, conf):
        caffe_conf = conf["http_server"]["caffe"]
        self.model_dir = caffe_conf["model_dir"]
        self.model_name = caffe_conf["model_name"]
        self.net = None
        self.load_model()

    def load_model(self):
        import caffe  # provided by the base image (PYTHONPATH=/root/caffe/python)

        prefix = "%s/%s" % (self.model_dir, self.model_name)
        self.net = caffe.Net(prefix + ".prototxt", prefix + ".caffemodel", caffe.TEST)

    def execute(self, data, batch_size):
        """data: a list of request bodies (28x28 grayscale images); returns one JSON string each."""
        import numpy as np
        from PIL import Image
        from io import BytesIO

        results = []
        for body in data:
            image = Image.open(BytesIO(body)).convert("L").resize((28, 28))
            pixels = np.asarray(image, dtype=np.float32) / 255.0
            self.net.blobs["data"].reshape(1, 1, 28, 28)
            self.net.blobs["data"].data[...] = pixels
            scores = self.net.forward()["prob"][0]
            results.append(json.dumps({"digit": int(scores.argmax())}))
        return results
