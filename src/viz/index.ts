/** shapewise/viz: pictures of filters, feature maps, image grids, training curves and confusion matrices, as PNG (and SVG) bytes. */
export { filtersPng, featureMapsPng, imageGridPng, type GridOptions, type FiltersPngOptions, type FeatureMapsPngOptions, type ImageGridPngOptions } from './images.ts'
export { lineChart, lineChartPng, type LineChartOptions, type LineSeries } from './chart.ts'
export { confusionMatrix, confusionMatrixPng, type ConfusionMatrixPngOptions } from './confusion.ts'
export { svgToPng } from './svg.ts'
export { VizError, type HostTensor, type ColorMap } from './raster.ts'
