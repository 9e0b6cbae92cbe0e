// Types of build-free-mail.mjs for worker/bundle/free-mail.test.ts.
export declare const packageDomains: () => string[];
export declare function freeMailModule(domains: readonly string[]): string;
export declare function writeFreeMail(): number;
