/**
 * Every route of the API, one module per capability. Case routes carry people's decisions to the
 * case's workflow as Updates and read its state with Queries; nothing about a case is kept here.
 * Who may call what comes from domain/permissions.ts, which the workflows' validators enforce too.
 */
import { devTokenRoute } from '../console/dev-token';
import type { AnyRoute } from '../route';
import { caseRoutes } from './cases';
import { decisionRoutes } from './decisions';
import { followUpRoutes } from './follow-up';
import { importRoutes } from './imports';
import { inspectorRoutes } from './inspectors';
import { planRoutes } from './plans';
import { inspectionTaskRoutes } from './inspection-tasks';
import { gradeRoutes } from './grades';
import { licenceRoutes } from './licences';
import { documentationRoutes, opsRoutes } from './ops';
import { publicRoutes } from './public';
import { registerRoutes } from './registers';
import { samrRoutes } from './samr';
import { rectificationRoutes } from './rectification';
import { riskSignalRoutes } from './risk-signals';
import { campaignRoutes } from './campaigns';
import { laboratoryRoutes } from './laboratories';
import { spotRoundRoutes } from './spot-rounds';
import { spotCheckRoutes } from './spot-checks';
import { reporterRoutes } from './reporters';
import { riskReportRoutes } from './risk-reports';
import { flightRoutes } from './flights';

export const ROUTES: readonly AnyRoute[] = [
  ...caseRoutes,
  ...decisionRoutes,
  ...followUpRoutes,
  ...licenceRoutes,
  ...registerRoutes,
  ...inspectorRoutes,
  ...planRoutes,
  ...inspectionTaskRoutes,
  ...gradeRoutes,
  ...publicRoutes,
  ...opsRoutes,
  ...importRoutes,
  ...samrRoutes,
  ...rectificationRoutes,
  ...riskSignalRoutes,
  ...campaignRoutes,
  ...laboratoryRoutes,
  ...spotRoundRoutes,
  ...spotCheckRoutes,
  ...reporterRoutes,
  ...riskReportRoutes,
  ...flightRoutes,
  devTokenRoute,
  ...documentationRoutes(() => ROUTES),
];
