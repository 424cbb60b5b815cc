// The cache bench app's bundle: Babel (preset-env) and Terser over src/, with webpack's and
// babel-loader's own caches in node_modules/.cache. A fresh checkout gives every file a new
// time, so the snapshots compare content hashes, not times.
const path = require('path');

module.exports = {
  mode: 'production',
  entry: './src/index.js',
  output: { path: path.resolve(__dirname, 'public/js'), filename: 'app.js' },
  module: {
    rules: [
      {
        test: /\.js$/,
        exclude: /node_modules/,
        use: {
          loader: 'babel-loader',
          options: { cacheDirectory: true, presets: [['@babel/preset-env', { targets: 'defaults' }]] },
        },
      },
    ],
  },
  cache: { type: 'filesystem', buildDependencies: { config: [__filename] } },
  snapshot: {
    module: { hash: true },
    resolve: { hash: true },
    buildDependencies: { hash: true },
    resolveBuildDependencies: { hash: true },
  },
};
