// The SDK as an app bundles it from npm: AnalyticsBrowser.load({ writeKey, cdnURL }) on the page.
import { AnalyticsBrowser } from '@segment/analytics-next';
window.AnalyticsBrowser = AnalyticsBrowser;
