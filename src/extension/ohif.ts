// Hand-written types for the few OHIF 3.13 services we use (@ohif/core ships no usable .d.ts); types only.

/** A naturalized DICOM instance as OHIF keeps it (dicomjson manifest metadata or DICOMweb JSON). */
export interface NaturalInstance {
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SOPInstanceUID: string;
  SOPClassUID?: string;
  Modality?: string;
  SeriesDescription?: string;
  SeriesNumber?: number | string;
  InstanceNumber?: number | string;
  ImagedNucleus?: string;
  ResonantNucleus?: string;
  MagneticFieldStrength?: number | string;
  FrameOfReferenceUID?: string;
  Rows?: number;
  Columns?: number;
  PixelSpacing?: number[];
  SliceThickness?: number | string;
  ImageOrientationPatient?: number[];
  ImagePositionPatient?: number[];
  imageId?: string;
  [key: string]: unknown;
}

export interface DisplaySet {
  displaySetInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SeriesDescription?: string;
  SeriesNumber?: number | string;
  Modality?: string;
  SOPClassUID?: string;
  FrameOfReferenceUID?: string;
  numImageFrames?: number;
  isReconstructable?: boolean;
  volumeLoaderSchema?: string;
  imageIds?: string[];
  instances: NaturalInstance[];
  instance?: NaturalInstance;
  madeInClient?: boolean;
  [key: string]: unknown;
}

export interface Subscription {
  unsubscribe(): void;
}

export interface DisplaySetService {
  EVENTS: Record<string, string>;
  getDisplaySetByUID(uid: string): DisplaySet | undefined;
  getActiveDisplaySets(): DisplaySet[];
  addDisplaySets(...sets: DisplaySet[]): DisplaySet[];
  deleteDisplaySet?(displaySetInstanceUID: string): void;
  sortDisplaySets?(fn: (a: DisplaySet, b: DisplaySet) => number): void;
  subscribe(event: string, cb: (arg: unknown) => void): Subscription;
}

export interface ViewportGridService {
  getActiveViewportId(): string;
  getDisplaySetsUIDsForViewport(viewportId: string): string[];
  getState(): { viewports: Map<string, { displaySetInstanceUIDs: string[] }>; activeViewportId: string };
  subscribe(event: string, cb: (arg: unknown) => void): Subscription;
  EVENTS: Record<string, string>;
}

export interface ToolbarButtonDefinition {
  id: string;
  uiType: string;
  props: Record<string, unknown>;
}

export interface EvaluateResult {
  disabled: boolean;
  disabledText?: string;
  isActive?: boolean;
  visible?: boolean;
  className?: string;
}

export interface ToolbarService {
  register(buttons: ToolbarButtonDefinition[], replace?: boolean): void;
  updateSection(key: string, ids: string[]): void;
  refreshToolbarState?(args?: Record<string, unknown>): void;
  sections: Record<string, string>;
}

export interface CustomizationService {
  setCustomizations(customizations: Record<string, unknown>, scope?: string): void;
  getCustomization(id: string): unknown;
}

export interface HangingProtocolService {
  setProtocol(
    protocolId: string,
    options?: { displaySetSelectorMap?: Record<string, string[]>; stageIndex?: number },
  ): void;
  getState(): { protocolId: string; stageIndex: number };
  addProtocol?(id: string, protocol: unknown): void;
}

export interface NotificationOptions {
  title?: string;
  message: string;
  type?: 'info' | 'success' | 'warning' | 'error' | 'loading';
  duration?: number;
  id?: string;
  action?: { label: string; onClick: () => void };
}

export interface UINotificationService {
  show(options: NotificationOptions): string;
  hide(id: string): void;
}

export interface CornerstoneViewportService {
  getCornerstoneViewport(viewportId: string): {
    getProperties(): { voiRange?: { lower: number; upper: number } };
    setProperties(p: { voiRange: { lower: number; upper: number } }): void;
    render(): void;
    /** Cornerstone's ViewportStatus: 'rendered' once it has drawn its data. */
    viewportStatus?: string;
  } | null;
}

export interface UserAuthenticationService {
  getAuthorizationHeader?(): Record<string, string> | undefined;
}

export interface Services {
  cornerstoneViewportService?: CornerstoneViewportService;
  userAuthenticationService?: UserAuthenticationService;
  toolbarService: ToolbarService;
  customizationService: CustomizationService;
  displaySetService: DisplaySetService;
  viewportGridService: ViewportGridService;
  hangingProtocolService: HangingProtocolService;
  uiNotificationService: UINotificationService;
}

/** What a service registration gives OHIF (as OHIF's own services' static REGISTRATION). */
export interface ServiceRegistration<T = unknown> {
  name: string;
  altName?: string;
  create(args: {
    configuration?: Record<string, unknown>;
    servicesManager: ServicesManager;
    extensionManager?: ExtensionManager;
    commandsManager?: CommandsManager;
  }): T;
}

export interface ServicesManager {
  services: Services;
  /** Creates the service with `configuration` under its name (a second registration of a name is ignored). */
  registerService(registration: ServiceRegistration, configuration?: Record<string, unknown>): void;
}

export interface DataSource {
  getImageIdsForDisplaySet(ds: DisplaySet): string[];
  getConfig?(): { sourceName?: string; supportsStow?: boolean; wadoRoot?: string; [k: string]: unknown };
  /**
   * Stores one instance: a Part-10 ArrayBuffer (DICOMweb: STOW-RS with the source's own auth headers) or a naturalized
   * dataset. dicomjson only warns; dicomlocal downloads it.
   */
  store?: { dicom?(dataset: ArrayBuffer | Record<string, unknown>, request?: unknown, dicomDict?: unknown): unknown };
}

export interface ExtensionManager {
  getModuleEntry(id: string): { exports?: Record<string, unknown> } | undefined;
  getActiveDataSource(): DataSource[];
  /** The data sources configured under a sourceName. */
  getDataSources?(sourceName: string): DataSource[] | undefined;
  activeDataSourceName?: string;
  appConfig?: Record<string, unknown>;
}

export interface CommandsManager {
  runCommand(name: string, args?: Record<string, unknown>, context?: string): unknown;
}

/** What OHIF passes to get<Module>() and preRegistration(). */
export interface ExtensionParams {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
  appConfig?: Record<string, unknown>;
  configuration?: Record<string, unknown>;
}

/** What OHIF passes to onModeEnter()/onModeExit(). */
export type ModeHookParams = Omit<ExtensionParams, 'appConfig' | 'configuration'>;

/** Arguments of a viewport overlay item's condition/contentF. */
export interface OverlayItemProps {
  displaySet?: DisplaySet;
  instance?: NaturalInstance;
  viewportId?: string;
}
