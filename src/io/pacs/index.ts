// PACS clients (browser-safe, fetch only): DICOMweb (QIDO/WADO/STOW), Orthanc's REST /changes feed, HTTP retries.
export {
  httpRequest,
  HttpError,
  describeUrl,
  type HttpOptions,
  type HttpRequest,
  type HttpResponse,
  type RetryInfo,
} from './http';
export { stowBody, stowContentType, parseMultipart, multipartBoundary, type MultipartPart } from './multipart';
export {
  DicomwebClient,
  naturalizeDicomJson,
  parseStoreResponse,
  type DicomwebClientOptions,
  type QidoQuery,
  type StoreReport,
} from './dicomweb';
export {
  OrthancRestClient,
  type OrthancChange,
  type OrthancChangesPage,
  type OrthancSeriesIdentity,
} from './orthanc-rest';
