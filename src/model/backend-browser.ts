// Registers the GPU backends (WebGL, WebGPU); imported lazily and only in a browser, where they can run.
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';

export const GPU_BACKENDS_REGISTERED = true;
