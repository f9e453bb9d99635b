/**
 * The web console (README "Console"), served by the API itself: one HTML shell and plain ES
 * modules under static/ (no build step). The pages read and write only through the API routes,
 * with the signed-in person's bearer token, so they see exactly what the API lets that token see.
 * Also serves the assets of /docs (swagger-ui-dist from npm: no CDN at run time).
 *
 * Everything here is middleware, not routes: the route table (api/routes/) stays the API.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Config } from '../../domain/config';
import { CONSOLE_CSP, renderShell, type ShellConfig } from './shell';

export interface ConsoleOptions {
  /** Base URL of the Temporal UI, for the link from each case page to its workflow. */
  temporalUiUrl: string;
  namespace: string;
  /** Offer the development role picker (POST /dev/token); never in production. */
  devSignIn: boolean;
}

export function consoleOptionsFrom(config: Pick<Config, 'NODE_ENV' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT' | 'TEMPORAL_NAMESPACE'>): ConsoleOptions {
  return {
    temporalUiUrl: (config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
    namespace: config.TEMPORAL_NAMESPACE,
    devSignIn: config.NODE_ENV !== 'production',
  };
}

const STATIC_DIR = path.join(__dirname, 'static');
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** What /docs/assets serves: the renderer's files from npm, and our own start-up script. */
const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': path.join(SWAGGER_DIR, 'swagger-ui.css'),
  'swagger-ui-bundle.js': path.join(SWAGGER_DIR, 'swagger-ui-bundle.js'),
  'favicon-32x32.png': path.join(SWAGGER_DIR, 'favicon-32x32.png'),
  'docs-init.js': path.join(STATIC_DIR, 'docs-init.js'),
};

const onlyGet =
  (handler: RequestHandler): RequestHandler =>
  (req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD' ? handler(req, res, next) : next();

export function mountConsole(app: Express, options: ConsoleOptions): void {
  const shell = renderShell(shellConfig(options));
  app.use(
    '/docs/assets',
    onlyGet((req, res, next) => {
      const file = DOCS_ASSETS[req.path.replace(/^\//, '')];
      if (!file || !existsSync(file)) return next();
      res.sendFile(file, { maxAge: '1h' });
    }),
  );
  app.use('/console/assets', express.static(STATIC_DIR, { index: false, redirect: false, maxAge: 0 }));
  app.use(
    '/console',
    onlyGet((req, res, next) => {
      if (req.path !== '/') return next();
      if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/console/');
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(shell);
    }),
  );
  app.use(onlyGet((req, res, next) => (req.path === '/' ? res.redirect(302, '/console/') : next())));
}

function shellConfig(o: ConsoleOptions): ShellConfig {
  return { temporalUiUrl: o.temporalUiUrl, namespace: o.namespace, devSignIn: o.devSignIn };
}
