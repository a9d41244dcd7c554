# -*- coding: utf-8 -*-
"""An image classifier on onnxruntime: a model of the third-party framework `onnx` (examples/plugin-onnx).

The server in the plugin's base image reads ufile.json, imports this module (main_file) and instantiates
ClassifierModel (main_class) with the config; it then calls execute() for every POST /service.
model/classifier.onnx is the network (modelName classifier).
"""
import json


class ClassifierModel(object):
    def __init__(self, conf):
        onnx_conf = conf["http_server"]["onnx"]
        self.model_path = "%s/%s.onnx" % (onnx_conf["model_dir"], onnx_conf["model_name"])
        self.session = None
        self.load_model()

    def load_model(self):
        import onnxruntime  # provided by the base image

        self.session = onnxruntime.InferenceSession(self.model_path)

    def execute(self, data, batch_size):
        """data: a list of request bodies (RGB images); returns one JSON string each."""
        import numpy as np
        from PIL import Image
        from io import BytesIO

        name = self.session.get_inputs()[0].name
        results = []
        for body in data:
            image = Image.open(BytesIO(body)).convert("RGB").resize((224, 224))
            pixels = np.asarray(image, dtype=np.float32).transpose(2, 0, 1)[np.newaxis] / 255.0
            scores = self.session.run(None, {name: pixels})[0][0]
            results.append(json.dumps({"class": int(scores.argmax())}))
        return results
