// shapewise/data: MNIST-style datasets read from local files, seeded splits and batches.
export { readIdx, parseIdx, encodeIdx, writeIdx, IdxError, type IdxFile, type IdxData, type IdxDType, type IdxErrorKind } from './idx.ts'
export { IMAGE_SIZE, IMAGE_PIXELS, subset, splitIndices, splitTrainTest, checkDataset, type Dataset } from './dataset.ts'
export { loadMnist, loadFashionMnist, MissingPackageError, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './mnist.ts'
export { batches, hostBatches, batchCount, normalize, MNIST_MEAN, MNIST_STD, type Batch, type HostBatch, type BatchOptions } from './batches.ts'
export { rng, uniformInt, permutation } from './random.ts'
export { imageFolder, imageBatches, decodeImageFile, ImageFolderError, type ImageFolder, type ImageFolderOptions, type ImageBatchOptions } from './image-folder.ts'
