module.exports = {
  displayName: 'demo',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
