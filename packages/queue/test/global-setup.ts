import { globalSetup } from '@starter/testing';

export default globalSetup();
