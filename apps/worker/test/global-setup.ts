import { migrate } from '@starter/db';
import { globalSetup } from '@starter/testing';

export default globalSetup({ prepareTemplate: (url) => migrate({ url }) });
