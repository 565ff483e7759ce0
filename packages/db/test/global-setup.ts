import { globalSetup } from '@starter/testing';

// No template: these tests start from empty databases to exercise the migrations themselves.
export default globalSetup();
