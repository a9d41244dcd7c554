// One small model of every framework uai knows, written into a test project: the inference module the
// platform's server imports (main_file / main_class) and the model files each framework needs
// (uai-platform.md, "The service config"). The bytes are ours and tiny; the stand-in base only checks
// that they are where the real server would look.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exampleCode } from './project.js';

export interface FrameworkModel {
  /** Model name in the config, also the folder under models/. */
  name: string;
  /** The model's config keys (besides name, packFilePath, image). */
  config: Record<string, unknown>;
  /** `uai packdocker <framework>` argument. */
  packdocker: string;
  /** The `framework` the stand-in reports for the generated config ('none' when it has no section). */
  standinFramework: string;
  /** The service config the image must hold, or undefined when the user supplies it (self). */
  serviceConfig?: unknown;
  /** Where UAI_SERVICE_CONFIG points. */
  configPath: string;
  /** Files the image must hold under /ai-ucloud-client-django. */
  files: string[];
}

const module = (className: string) =>
  `# Inference module for the platform's server: it imports this file and instantiates ${className}.\n` +
  `class ${className}(object):\n    def __init__(self, conf):\n        self.conf = conf\n\n    def execute(self, data, batch_size):\n        return ["ok" for _ in data]\n`;

async function put(dir: string, rel: string, contents: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), contents);
}

const exec = (file: string, className: string) => ({ main_file: file, main_class: className });
const ufile = '/ai-ucloud-client-django/ufile.json';

/** The models, and a function that writes their folders under `<project>/models/`. */
export const frameworkModels: FrameworkModel[] = [
  {
    name: 'fw-caffe',
    packdocker: 'caffe',
    config: {
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
    },
    standinFramework: 'caffe',
    serviceConfig: { http_server: { exec: exec('mnist_inference', 'MnistModel'), caffe: { model_dir: 'checkpoint_dir', model_name: 'mnist_model' } } },
    configPath: ufile,
    files: ['mnist_inference.py', 'checkpoint_dir/mnist_model.prototxt', 'checkpoint_dir/mnist_model.caffemodel'],
  },
  {
    name: 'fw-tf',
    packdocker: 'tf',
    config: {
      framework: 'tf',
      aiArchV: 'tensorflow-1.6.0',
      mainModule: 'tf_inference',
      mainClass: 'TfModel',
      modelDir: './export',
      tag: ['serve'],
      signature: 'predict_images',
    },
    standinFramework: 'tensorflow',
    serviceConfig: {
      http_server: { exec: exec('tf_inference', 'TfModel'), tensorflow: { model_dir: './export', tag: ['serve'], signature: 'predict_images' } },
    },
    configPath: ufile,
    files: ['tf_inference.py', 'export/saved_model.pb', 'export/variables/variables.index'],
  },
  {
    name: 'fw-keras',
    packdocker: 'keras',
    config: { framework: 'keras', mainModule: 'keras_inference', mainClass: 'KerasModel', modelDir: 'model', modelName: 'digits', modelArchType: 'json' },
    standinFramework: 'keras',
    serviceConfig: {
      http_server: {
        exec: exec('keras_inference', 'KerasModel'),
        keras: { model_dir: 'model', model_name: 'digits', all_one_file: false, model_arch_type: 'json' },
      },
    },
    configPath: ufile,
    files: ['keras_inference.py', 'model/digits.json', 'model/digits.h5'],
  },
  {
    name: 'fw-mxnet',
    packdocker: 'mxnet',
    config: { framework: 'mxnet', aiArchV: 'mxnet-1.0.0', mainModule: 'mx_inference', mainClass: 'MxModel', modelDir: 'ckpt', modelName: 'net', numEpoch: 3 },
    standinFramework: 'mxnet',
    serviceConfig: { http_server: { exec: exec('mx_inference', 'MxModel'), mxnet: { model_dir: 'ckpt', model_name: 'net', num_epoch: 3 } } },
    configPath: ufile,
    files: ['mx_inference.py', 'ckpt/net-symbol.json', 'ckpt/net-0003.params'],
  },
  {
    name: 'fw-xgboost',
    packdocker: 'xgboost',
    config: { framework: 'xgboost', mainModule: 'xgb_inference', mainClass: 'XgbModel', modelName: 'models/iris.model' },
    standinFramework: 'xgboost',
    serviceConfig: { http_server: { exec: exec('xgb_inference', 'XgbModel'), xgboost: { model_name: 'models/iris.model' } } },
    configPath: ufile,
    files: ['xgb_inference.py', 'models/iris.model'],
  },
];

/** self-defined needs the registry host for its base image, so it is made per run. */
export function selfModel(host: string): FrameworkModel {
  return {
    name: 'fw-self',
    packdocker: 'self',
    config: {
      framework: 'self',
      baseImage: `${host}/uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2`,
      confFile: 'models/fw-self/conf/self_service.json',
    },
    standinFramework: 'none',
    configPath: '/ai-ucloud-client-django/self_service.json',
    files: ['self_server.py'],
  };
}

export const onnxModel: FrameworkModel = {
  name: 'fw-onnx',
  packdocker: '',
  config: { framework: 'onnx', mainModule: 'onnx_inference', mainClass: 'OnnxModel', modelDir: 'model', modelName: 'resnet' },
  standinFramework: 'none',
  serviceConfig: { http_server: { exec: exec('onnx_inference', 'OnnxModel'), onnx: { model_dir: 'model', model_name: 'resnet', opset: 13 } } },
  configPath: ufile,
  files: ['onnx_inference.py', 'model/resnet.onnx'],
};

/** Writes `models/<name>/` for a model. */
export async function writeFrameworkModel(projectDir: string, model: FrameworkModel): Promise<void> {
  const dir = path.join(projectDir, 'models', model.name);
  switch (model.name) {
    case 'fw-caffe':
      await cp(exampleCode, dir, { recursive: true });
      return;
    case 'fw-self':
      await put(dir, 'self_server.py', module('SelfModel'));
      await put(dir, 'conf/self_service.json', `${JSON.stringify({ http_server: { exec: exec('self_server', 'SelfModel') } }, null, 2)}\n`);
      return;
    default: {
      const className = String(model.config.mainClass);
      await put(dir, `${String(model.config.mainModule)}.py`, module(className));
      for (const file of model.files.slice(1)) await put(dir, file, Buffer.from(`${model.name} ${file}\n`));
    }
  }
}
