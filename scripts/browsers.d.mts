export type EngineName = 'firefox' | 'webkit';
export declare const ENGINES: Record<EngineName, { label: string; env: string; paths: string[]; packages: string[]; xvfb?: string }>;
export declare function findEngine(engine: EngineName): string | undefined;
export declare function missingEngineHelp(engine: EngineName): string;
