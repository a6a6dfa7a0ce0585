import type { Browser } from 'playwright-core';
export declare const LAUNCH_ARGS: string[];
export declare const MISSING_BROWSER_HELP: string;
export declare function findChromium(): string | undefined;
export declare function launchChromium(): Promise<Browser>;
