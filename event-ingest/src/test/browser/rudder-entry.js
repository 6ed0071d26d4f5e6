// RudderStack's browser SDK as an app bundles it from npm: its "bundled" build loads no plugin from a CDN.
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
window.RudderAnalytics = RudderAnalytics;
